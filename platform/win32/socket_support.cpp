#include "socket_support.hpp"

#include <winsock2.h>

#include <algorithm>
#include <climits>

#include <asio/error.hpp>

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

// Winsock has no per-call MSG_DONTWAIT: the socket is non-blocking and the
// blocking calls wait in WSAPoll.
void keep_from_children(native_socket s) noexcept {
  ::SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, 0);
}

void prepare_socket(native_socket s) noexcept {
  keep_from_children(s);
  u_long on = 1;
  ::ioctlsocket(s, FIONBIO, &on);
}

std::size_t socket_read(native_socket s, void* data, std::size_t size, deadline until,
                        std::error_code& ec) noexcept {
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

std::size_t socket_write(native_socket s, const std::array<asio::const_buffer, 2>& buffers,
                         deadline until, std::error_code& ec) noexcept {
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
