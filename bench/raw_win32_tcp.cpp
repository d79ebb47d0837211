// Raw TCP loopback baseline on Windows (Winsock, TCP_NODELAY, blocking
// send/recv of bare payloads): the floor for tcp://.
#include <algorithm>
#include <climits>

#include "raw_win32_socket.hpp"

namespace strait::bench {
namespace {

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
      if (w <= 0) fail_wsa("send");
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }

  void receive(std::byte* p, std::size_t n) override {
    while (n > 0) {
      const int chunk = static_cast<int>(std::min<std::size_t>(n, INT_MAX));
      const int r = ::recv(s_.get(), reinterpret_cast<char*>(p), chunk, 0);
      if (r == 0) throw bench_error("the peer closed the connection");
      if (r < 0) fail_wsa("recv");
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
    fail_wsa("bind");
  if (::listen(listener.get(), 1) != 0) fail_wsa("listen");
  socket_handle s(::accept(listener.get(), nullptr, nullptr));
  if (s.get() == INVALID_SOCKET) fail_wsa("accept");
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
