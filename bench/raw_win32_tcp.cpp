// Raw TCP loopback baseline on Windows (Winsock, TCP_NODELAY, blocking
// send/recv of bare payloads): the floor for tcp://.
#include <winsock2.h>
#include <ws2tcpip.h>

#include <algorithm>
#include <climits>
#include <utility>

#include <fmt/format.h>

#include "mechanism.hpp"

namespace strait::bench {
namespace {

[[noreturn]] void fail(const char* what) {
  throw bench_error(fmt::format("{}: WSA error {}", what, ::WSAGetLastError()));
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

sockaddr_in loopback(const std::string& port) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(static_cast<u_short>(std::stoi(port)));
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return in;
}

class tcp_link final : public link {
 public:
  explicit tcp_link(socket_handle s) : s_(std::move(s)) {
    BOOL on = TRUE;
    ::setsockopt(s_.get(), IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&on), sizeof on);
    const DWORD timeout = static_cast<DWORD>(std::chrono::milliseconds(link_timeout).count());
    ::setsockopt(s_.get(), SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<const char*>(&timeout),
                 sizeof timeout);
    ::setsockopt(s_.get(), SOL_SOCKET, SO_SNDTIMEO, reinterpret_cast<const char*>(&timeout),
                 sizeof timeout);
  }

  void send(const std::byte* p, std::size_t n) override {
    while (n > 0) {
      const int chunk = static_cast<int>(std::min<std::size_t>(n, INT_MAX));
      const int w = ::send(s_.get(), reinterpret_cast<const char*>(p), chunk, 0);
      if (w <= 0) fail("send");
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }

  void receive(std::byte* p, std::size_t n) override {
    while (n > 0) {
      const int chunk = static_cast<int>(std::min<std::size_t>(n, INT_MAX));
      const int r = ::recv(s_.get(), reinterpret_cast<char*>(p), chunk, 0);
      if (r == 0) throw bench_error("the peer closed the connection");
      if (r < 0) fail("recv");
      p += r;
      n -= static_cast<std::size_t>(r);
    }
  }

 private:
  socket_handle s_;
};

std::unique_ptr<link> serve_tcp(const std::string& port) {
  socket_handle listener(::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP));
  const auto address = loopback(port);
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    fail("bind");
  if (::listen(listener.get(), 1) != 0) fail("listen");
  socket_handle s(::accept(listener.get(), nullptr, nullptr));
  if (s.get() == INVALID_SOCKET) fail("accept");
  return std::make_unique<tcp_link>(std::move(s));
}

std::unique_ptr<link> connect_tcp(const std::string& port) {
  const auto address = loopback(port);
  socket_handle s;
  retry_until_ready(
      [&] {  // refused until the server process listens
        s = socket_handle(::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP));
        return ::connect(s.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
      },
      "connect 127.0.0.1:" + port);
  return std::make_unique<tcp_link>(std::move(s));
}

[[maybe_unused]] const bool registered = register_mechanism({
    .name = "raw tcp",
    .kind = family::raw,
    .baseline_for = {{"strait tcp"}},
    .make_address = [] { return std::to_string(free_tcp_port()); },
    .serve = serve_tcp,
    .connect = connect_tcp,
});

}  // namespace
}  // namespace strait::bench
