// pipe:// on Windows: native named pipes, \\.\pipe\NAME (\\SERVER\pipe\NAME
// to connect to another machine), in message mode both ways.
//
// A message-mode pipe keeps message boundaries itself (C1), and a short read
// failing with ERROR_MORE_DATA with the rest left for the next read is C3
// word for word, so the channel needs no framing: one WriteFile is one
// message, one ReadFile one message or the next piece of one.
#pragma once

#include <windows.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "backend.hpp"
#include "handle.hpp"

namespace strait::detail {

// In and out buffer quota of every instance unless listen_options says
// otherwise: a 1 MiB message fits in an empty pipe and streams without the
// writer waiting for each read.
inline constexpr DWORD default_pipe_buffer_size = 1u << 20;

// \\.\pipe\NAME, or \\SERVER\pipe\NAME for pipe://SERVER/NAME.
std::wstring pipe_path(const strait::endpoint& ep);

enum class pipe_end { client, server };

// A channel over a connected pipe handle opened with FILE_FLAG_OVERLAPPED in
// message read mode. `on_close` runs once when the channel closes its handle
// (the listener reuses the instance slot).
std::shared_ptr<channel_backend> make_pipe_channel(asio::io_context& io, unique_handle pipe,
                                                   const strait::endpoint& ep,
                                                   std::size_t max_message_size, pipe_end end,
                                                   std::function<void()> on_close,
                                                   std::error_code& ec);

// A channel over one end of an unnamed pipe (strait::spawn, channel_pair),
// opened as make_pipe_channel's are; `url` is what endpoint() says of it
// ("spawn://child/PID"). `peer`, when given, is the process at the other end,
// for when the pipe would name the wrong one (the parent opens the child's
// end itself).
std::shared_ptr<channel_backend> make_unnamed_pipe_channel(asio::io_context& io,
                                                           unique_handle pipe, std::string url,
                                                           std::size_t max_message_size,
                                                           pipe_end end,
                                                           std::optional<peer_info> peer,
                                                           std::error_code& ec);

std::shared_ptr<channel_backend> pipe_connect(asio::io_context& io, const strait::endpoint& ep,
                                              const connect_options& options,
                                              std::error_code& ec);

std::shared_ptr<listener_backend> pipe_listen(asio::io_context& io, const strait::endpoint& ep,
                                              const listen_options& options,
                                              std::error_code& ec);

}  // namespace strait::detail
