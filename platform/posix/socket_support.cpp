#include "socket_support.hpp"
#include "no_sigpipe.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

#include <asio/error.hpp>

namespace strait::detail {
namespace {

// Without a deadline the socket may block in the call itself (one system
// call); with one, never block there and wait in poll instead.
int wait_flag(deadline until) noexcept { return until == no_deadline ? 0 : MSG_DONTWAIT; }

bool would_block(int e) noexcept { return e == EAGAIN || e == EWOULDBLOCK; }

}  // namespace

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

void keep_from_children(native_socket s) noexcept {
  const int flags = ::fcntl(s, F_GETFD);
  if (flags >= 0) ::fcntl(s, F_SETFD, flags | FD_CLOEXEC);
}

void prepare_socket(native_socket s) noexcept {
  keep_from_children(s);
#if defined(SO_NOSIGPIPE)
  int on = 1;
  ::setsockopt(s, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof(on));
#endif
}

std::size_t socket_read(native_socket s, void* data, std::size_t size, deadline until,
                        std::error_code& ec) noexcept {
  for (;;) {
    const auto n = ::recv(s, data, size, wait_flag(until));
    if (n > 0) {
      ec = {};
      return static_cast<std::size_t>(n);
    }
    if (n == 0) {
      ec = asio::error::eof;
      return 0;
    }
    if (errno == EINTR) continue;
    // EAGAIN also when asio has made the socket non-blocking for async use.
    if (!would_block(errno)) {
      ec = last_system_error();
      return 0;
    }
    if ((ec = wait_socket(s, socket_wait::read, until))) return 0;
  }
}

std::size_t socket_write(native_socket s, const std::array<asio::const_buffer, 2>& buffers,
                         deadline until, std::error_code& ec) noexcept {
  iovec iov[2];
  msghdr msg{};
  msg.msg_iov = iov;
  for (const auto& b : buffers) {
    iov[msg.msg_iovlen].iov_base = const_cast<void*>(b.data());
    iov[msg.msg_iovlen].iov_len = b.size();
    ++msg.msg_iovlen;
  }
  for (;;) {
    const auto n = ::sendmsg(s, &msg, wait_flag(until) | no_sigpipe);
    if (n >= 0) {
      ec = {};
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    if (!would_block(errno)) {
      ec = last_system_error();
      return 0;
    }
    if ((ec = wait_socket(s, socket_wait::write, until))) return 0;
  }
}

void bind_exclusive(asio::ip::tcp::acceptor& acceptor, const asio::ip::tcp::endpoint& ep,
                    std::error_code& ec) {
  acceptor.open(ep.protocol(), ec);
  if (!ec) keep_from_children(acceptor.native_handle());
  // POSIX SO_REUSEADDR only lets us reuse a port in TIME_WAIT; a live
  // listener still makes bind fail with EADDRINUSE (C7).
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
}

void bind_shared_udp(asio::ip::udp::socket& socket, const asio::ip::udp::endpoint& ep,
                     std::error_code& ec) {
  socket.open(ep.protocol(), ec);
  if (!ec) keep_from_children(socket.native_handle());
  using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
#if defined(__linux__)
  // SO_REUSEADDR would let any user bind the port beside us (12.6);
  // SO_REUSEPORT alone shares it only with our own user's sockets.
  if (!ec) socket.set_option(reuse_port(true), ec);
#else
  // BSD and macOS share a bound port with SO_REUSEPORT, for any user
  // (docs/security.md: broadcast mailslots are unauthenticated).
  if (!ec) socket.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) socket.set_option(reuse_port(true), ec);
#endif
  if (!ec) socket.bind(ep, ec);
}

}  // namespace strait::detail
