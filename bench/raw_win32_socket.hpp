// Winsock helpers shared by the raw Windows TCP baseline (raw_win32_tcp.cpp)
// and the clients sweep's IOCP floor (clients_win32.cpp): an owned SOCKET, a
// loopback address from a port's text, WSA errors as bench_error. Winsock is
// started once for the whole program (system_win32.cpp).
#pragma once

#include <winsock2.h>
#include <ws2tcpip.h>

#include <string>
#include <utility>

#include <fmt/format.h>

#include "mechanism.hpp"

namespace strait::bench {

[[noreturn]] inline void fail_wsa(const char* what, int error = ::WSAGetLastError()) {
  throw bench_error(fmt::format("{}: WSA error {}", what, error));
}

class socket_handle {
 public:
  explicit socket_handle(SOCKET s = INVALID_SOCKET) noexcept : s_(s) {}
  socket_handle(socket_handle&& o) noexcept : s_(std::exchange(o.s_, INVALID_SOCKET)) {}
  socket_handle& operator=(socket_handle&& o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~socket_handle() {
    if (s_ != INVALID_SOCKET) ::closesocket(s_);
  }
  SOCKET get() const noexcept { return s_; }

 private:
  SOCKET s_;
};

// 127.0.0.1:`port` ("raw tcp" addresses are a port number).
inline sockaddr_in loopback(const std::string& port) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(static_cast<u_short>(std::stoi(port)));
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return in;
}

}  // namespace strait::bench
