#include "socket_support.hpp"

#include <winsock2.h>

#include <algorithm>
#include <climits>

#include <asio/error.hpp>

namespace strait::detail {

namespace {

// The milliseconds left until `until` (-1: no deadline), or false when it has passed.
bool time_left(deadline until, INT& ms) noexcept {
  ms = -1;
  if (until == no_deadline) return true;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock::now());
  if (left.count() <= 0) return false;
  ms = static_cast<INT>(std::min<std::int64_t>(left.count(), 1 << 30));
  return true;
}

// WSAPoll reports a refused non-blocking connect only from Windows 10 2004
// on; before, it waits out the timeout (forever without one). select
// reports the failure in its except set on every Windows.
std::error_code wait_connect(native_socket s, deadline until) noexcept {
  for (;;) {
    INT ms = -1;
    if (!time_left(until, ms)) return make_error_code(errc::timed_out);
    fd_set done{};
    done.fd_count = 1;
    done.fd_array[0] = s;
    fd_set failed = done;
    timeval timeout{ms / 1000, ms % 1000 * 1000};
    const int n = ::select(0, nullptr, &done, &failed, ms < 0 ? nullptr : &timeout);
    if (n > 0) return {};  // connected, or failed: SO_ERROR says which
    if (n == SOCKET_ERROR) return map_system_error(::WSAGetLastError());
  }
}

}  // namespace

std::error_code wait_socket(native_socket s, socket_wait what, deadline until) noexcept {
  if (what == socket_wait::connect) return wait_connect(s, until);
  WSAPOLLFD p{s, static_cast<SHORT>(what == socket_wait::read ? POLLRDNORM : POLLWRNORM), 0};
  for (;;) {
    INT timeout_ms = -1;
    if (!time_left(until, timeout_ms)) return make_error_code(errc::timed_out);
    const int n = ::WSAPoll(&p, 1, timeout_ms);
    if (n > 0) return {};  // ready, or an error the next call will report
    if (n == SOCKET_ERROR) return map_system_error(::WSAGetLastError());
  }
}

// Winsock has no per-call MSG_DONTWAIT, and a call that timed out
// (SO_RCVTIMEO) leaves its socket in an undefined state: the socket is
// non-blocking and the blocking calls wait in WSAPoll.
bool sync_calls_block_in_kernel() noexcept { return false; }

void keep_from_children(native_socket s) noexcept {
  ::SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, 0);
}

void prepare_socket(native_socket s) noexcept { keep_from_children(s); }

std::size_t socket_read(native_socket s, socket_timeouts&, void* data, std::size_t size,
                        deadline until, std::error_code& ec) noexcept {
  const int chunk = static_cast<int>(std::min<std::size_t>(size, INT_MAX));
  for (;;) {
    const int n = ::recv(s, static_cast<char*>(data), chunk, 0);
    if (n > 0) {
      ec = {};
      return static_cast<std::size_t>(n);
    }
    if (n == 0) {
      ec = asio::error::eof;
      return 0;
    }
    if (const int e = ::WSAGetLastError(); e != WSAEWOULDBLOCK) {
      ec = map_system_error(e);
      return 0;
    }
    if ((ec = wait_socket(s, socket_wait::read, until))) return 0;
  }
}

std::size_t socket_write(native_socket s, socket_timeouts&,
                         const std::array<asio::const_buffer, 2>& buffers, deadline until,
                         std::error_code& ec) noexcept {
  WSABUF bufs[2];
  for (std::size_t i = 0; i < 2; ++i) {
    bufs[i].buf = static_cast<char*>(const_cast<void*>(buffers[i].data()));
    bufs[i].len = static_cast<ULONG>(std::min<std::size_t>(buffers[i].size(), ULONG_MAX));
  }
  for (;;) {
    DWORD sent = 0;
    if (::WSASend(s, bufs, 2, &sent, 0, nullptr, nullptr) == 0) {
      ec = {};
      return sent;
    }
    if (const int e = ::WSAGetLastError(); e != WSAEWOULDBLOCK) {
      ec = map_system_error(e);
      return 0;
    }
    if ((ec = wait_socket(s, socket_wait::write, until))) return 0;
  }
}

void bind_exclusive(asio::ip::tcp::acceptor& acceptor, const asio::ip::tcp::endpoint& ep,
                    std::error_code& ec) {
  acceptor.open(ep.protocol(), ec);
  if (ec) return;
  keep_from_children(acceptor.native_handle());
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

void bind_shared_udp(asio::ip::udp::socket& socket, const asio::ip::udp::endpoint& ep,
                     std::error_code& ec) {
  socket.open(ep.protocol(), ec);
  if (!ec) keep_from_children(socket.native_handle());
  // Windows shares a UDP port only through SO_REUSEADDR, with any user
  // (docs/security.md: broadcast mailslots are unauthenticated).
  if (!ec) socket.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) socket.bind(ep, ec);
}

}  // namespace strait::detail
