// Unnamed pipes on Windows: the channel of strait::spawn and channel_pair,
// and the child's standard streams piped to the parent.
//
// CreatePipe's handles cannot do overlapped I/O, which the io_context's
// completion port (asio pipes, the pipe channel) needs. So, as libuv does, a
// pair is a named pipe of one instance under a random name nobody can guess,
// private to this user and to this machine, whose only client is opened by us
// at once: nobody else can reach it, and nothing of it is left after a crash.
#pragma once

#include <windows.h>

#include <system_error>

#include "handle.hpp"

namespace strait::detail {

enum class unnamed_pipe_kind {
  duplex_messages,  // a channel: message mode both ways (C1, C3), like pipe://
  bytes_to_client,  // a byte stream the server end writes (a child's stdin)
  bytes_from_client,  // a byte stream the server end reads (a child's stdout or stderr)
};

struct unnamed_pipe {
  unique_handle server;  // always overlapped, not inheritable
  unique_handle client;  // overlapped when asked for, not inheritable
};

unnamed_pipe create_unnamed_pipe(unnamed_pipe_kind kind, bool overlapped_client,
                                 std::error_code& ec);

}  // namespace strait::detail
