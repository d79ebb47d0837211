#include "socket_support.hpp"
#include "kernel_timeout.hpp"
#include "no_sigpipe.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

#include <asio/error.hpp>

namespace strait::detail {
namespace {

using std::chrono::microseconds;

// Longest timeout given to the kernel: a longer deadline is waited out in
// pieces (the rest in poll), so no system needs to take a huge timeval.
constexpr microseconds longest_kernel_timeout = std::chrono::hours(1);

// A timeout set ends a call at most this much after its deadline...
constexpr microseconds late_enough = std::chrono::milliseconds(1);
// ...and at most this share of the wait before it (the rest is polled).
constexpr int early_share = 16;
// A timeout is set this share short of the deadline: the next call of the
// same timeout, started a moment later on a busy machine (a deadline a little
// nearer), still fits, where one set to the microsecond was set again after
// any preemption of over late_enough. A call that times out is ended that
// much early by the kernel and waits out the rest in poll.
constexpr int headroom_share = 32;

// A gather write of a frame longer than this waits in poll, not in the
// call: Linux AF_UNIX streams (and macOS sockets) wait once per piece of a
// long write, each up to the whole SO_SNDTIMEO, so a peer that drains
// slowly could hold the call far past its deadline (C8). A frame this size
// goes into a default send buffer whole once there is room.
constexpr std::size_t longest_blocking_write = 8 * 1024;

bool fits(microseconds armed, microseconds wanted) noexcept {
  if (armed == microseconds{0} || wanted == microseconds{0}) return armed == wanted;
  return armed <= wanted + late_enough && armed >= wanted - wanted / early_share;
}

bool set_kernel_timeout(native_socket s, socket_wait what, microseconds timeout) noexcept {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(timeout.count() / 1000000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>(timeout.count() % 1000000);
  const int option = what == socket_wait::read ? SO_RCVTIMEO : SO_SNDTIMEO;
  return ::setsockopt(s, SOL_SOCKET, option, &tv, sizeof(tv)) == 0;
}

std::size_t frame_size(const std::array<asio::const_buffer, 2>& buffers) noexcept {
  return buffers[0].size() + buffers[1].size();
}

}  // namespace

bool sync_calls_block_in_kernel() noexcept { return true; }

int kernel_timeout_flags(native_socket s, socket_wait what, microseconds& armed,
                         deadline until) noexcept {
  microseconds wanted{0};  // none: wait as long as it takes
  if (until == no_wait) return MSG_DONTWAIT;
  if (until != no_deadline) {
    const auto left = std::chrono::ceil<microseconds>(until - clock::now());
    if (left <= microseconds{0}) return MSG_DONTWAIT;
    wanted = std::min(left, longest_kernel_timeout);
  }
  if (fits(armed, wanted)) return 0;
  const auto timeout = wanted - wanted / headroom_share;  // 0 stays 0: no timeout
  // A socket that takes no timeout still works, waiting in poll.
  if (!set_kernel_timeout(s, what, timeout)) return until == no_deadline ? 0 : MSG_DONTWAIT;
  armed = timeout;
  return 0;
}

std::error_code wait_after_would_block(native_socket s, socket_wait what,
                                       deadline until) noexcept {
  if (until != no_deadline && clock::now() >= until) return make_error_code(errc::timed_out);
  return wait_socket(s, what, until);
}

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

std::size_t socket_read(native_socket s, socket_timeouts& timeouts, void* data,
                        std::size_t size, deadline until, std::error_code& ec) noexcept {
  for (;;) {
    const int flags = kernel_timeout_flags(s, socket_wait::read, timeouts.receive, until);
    const auto n = ::recv(s, data, size, flags);
    if (n > 0) {
      ec = {};
      return static_cast<std::size_t>(n);
    }
    if (n == 0) {
      ec = asio::error::eof;
      return 0;
    }
    if (errno == EINTR) continue;
    if (!would_block(errno)) {
      ec = last_system_error();
      return 0;
    }
    if ((ec = wait_after_would_block(s, socket_wait::read, until))) return 0;
  }
}

std::size_t socket_write(native_socket s, socket_timeouts& timeouts,
                         const std::array<asio::const_buffer, 2>& buffers, deadline until,
                         std::error_code& ec) noexcept {
  iovec iov[2];
  msghdr msg{};
  msg.msg_iov = iov;
  for (const auto& b : buffers) {
    iov[msg.msg_iovlen].iov_base = const_cast<void*>(b.data());
    iov[msg.msg_iovlen].iov_len = b.size();
    ++msg.msg_iovlen;
  }
  const bool in_kernel = frame_size(buffers) <= longest_blocking_write || until == no_deadline;
  for (;;) {
    const int wait = in_kernel ? kernel_timeout_flags(s, socket_wait::write, timeouts.send, until)
                               : MSG_DONTWAIT;
    // One buffer (a small frame, or a payload's rest) goes with send(),
    // cheaper in the kernel than a sendmsg() (issue 13).
    const auto n = buffers[1].size() == 0
                       ? ::send(s, buffers[0].data(), buffers[0].size(), wait | no_sigpipe)
                       : ::sendmsg(s, &msg, wait | no_sigpipe);
    if (n >= 0) {
      ec = {};
      return static_cast<std::size_t>(n);
    }
    if (errno == EINTR) continue;
    if (!would_block(errno)) {
      ec = last_system_error();
      return 0;
    }
    if ((ec = wait_after_would_block(s, socket_wait::write, until))) return 0;
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
