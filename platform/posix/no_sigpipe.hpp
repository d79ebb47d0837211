// The send flag that makes a write to a closed peer fail with EPIPE instead
// of raising SIGPIPE. macOS has no MSG_NOSIGNAL: there prepare_socket sets
// SO_NOSIGPIPE on the socket instead, and the flag is 0.
#pragma once

#include <sys/socket.h>

namespace strait::detail {

#if defined(MSG_NOSIGNAL)
inline constexpr int no_sigpipe = MSG_NOSIGNAL;
#else
inline constexpr int no_sigpipe = 0;
#endif

}  // namespace strait::detail
