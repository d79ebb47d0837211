#include "socket_support.hpp"

#include <winsock2.h>

#include <algorithm>

namespace strait::detail {

std::error_code wait_socket(native_socket s, socket_wait what, deadline until) noexcept {
  WSAPOLLFD p{s, static_cast<SHORT>(what == socket_wait::read ? POLLRDNORM : POLLWRNORM), 0};
  for (;;) {
    INT timeout_ms = -1;
    if (until != no_deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock::now());
      if (left.count() <= 0) return make_error_code(errc::timed_out);
      timeout_ms = static_cast<INT>(std::min<std::int64_t>(left.count(), 1 << 30));
    }
    const int n = ::WSAPoll(&p, 1, timeout_ms);
    if (n > 0) return {};  // ready, or an error the next call will report
    if (n == SOCKET_ERROR) return map_system_error(::WSAGetLastError());
  }
}

void bind_exclusive(asio::ip::tcp::acceptor& acceptor, const asio::ip::tcp::endpoint& ep,
                    std::error_code& ec) {
  acceptor.open(ep.protocol(), ec);
  if (ec) return;
  // Windows SO_REUSEADDR would let a second listener steal a live port;
  // SO_EXCLUSIVEADDRUSE makes that bind fail instead (C7).
  BOOL on = TRUE;
  if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_EXCLUSIVEADDRUSE,
                   reinterpret_cast<const char*>(&on), sizeof(on)) == SOCKET_ERROR) {
    ec = map_system_error(::WSAGetLastError());
    return;
  }
  acceptor.bind(ep, ec);
}

}  // namespace strait::detail
