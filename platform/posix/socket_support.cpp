#include "socket_support.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>

namespace strait::detail {

std::error_code wait_socket(native_socket s, socket_wait what, deadline until) noexcept {
  pollfd p{s, static_cast<short>(what == socket_wait::read ? POLLIN : POLLOUT), 0};
  for (;;) {
    int timeout_ms = -1;
    if (until != no_deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock::now());
      if (left.count() <= 0) return make_error_code(errc::timed_out);
      timeout_ms = static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30));
    }
    const int n = ::poll(&p, 1, timeout_ms);
    if (n > 0) return {};  // ready, or an error the next call will report
    if (n < 0 && errno != EINTR) return last_system_error();
  }
}

void bind_exclusive(asio::ip::tcp::acceptor& acceptor, const asio::ip::tcp::endpoint& ep,
                    std::error_code& ec) {
  acceptor.open(ep.protocol(), ec);
  // POSIX SO_REUSEADDR only lets us reuse a port in TIME_WAIT; a live
  // listener still makes bind fail with EADDRINUSE (C7).
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
}

}  // namespace strait::detail
