// Raw AF_UNIX stream and TCP loopback (TCP_NODELAY) ping-pong on POSIX.
#include "raw.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace strait::bench {
namespace {

using clock = std::chrono::steady_clock;

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
}

void write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const auto w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) fail("send");
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

bool read_all(int fd, char* p, std::size_t n) {
  while (n > 0) {
    const auto r = ::recv(fd, p, n, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return false;
    if (r < 0) fail("recv");
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// Builds the sockaddr for a mechanism's address: a path, or a loopback port.
socklen_t make_address(const std::string& mechanism, const std::string& address,
                       sockaddr_storage& out) {
  std::memset(&out, 0, sizeof(out));
  if (mechanism == "raw unix") {
    auto& un = reinterpret_cast<sockaddr_un&>(out);
    un.sun_family = AF_UNIX;
    std::strncpy(un.sun_path, address.c_str(), sizeof(un.sun_path) - 1);
    return sizeof(un);
  }
  auto& in = reinterpret_cast<sockaddr_in&>(out);
  in.sin_family = AF_INET;
  in.sin_port = htons(static_cast<std::uint16_t>(std::stoi(address)));
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return sizeof(in);
}

void set_nodelay(const std::string& mechanism, int fd) {
  if (mechanism != "raw tcp") return;
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

}  // namespace

std::vector<std::string> raw_mechanisms() { return {"raw unix", "raw tcp"}; }

std::string raw_floor(const std::string& scheme) {
  if (scheme == "unix" || scheme == "pipe") return "raw unix";  // pipe:// is AF_UNIX here
  if (scheme == "tcp") return "raw tcp";
  return {};
}

std::string raw_address(const std::string& mechanism) {
  if (mechanism == "raw unix")
    return "/tmp/strait-bench-" + std::to_string(::getpid()) + "-" +
           std::to_string(clock::now().time_since_epoch().count() % 1000000);
  // A port the kernel just handed out and we let go of.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(in);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&in), sizeof(in)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&in), &len) != 0)
    fail("bind");
  ::close(fd);
  return std::to_string(ntohs(in.sin_port));
}

int raw_serve(const std::string& mechanism, const std::string& address,
              const std::vector<std::size_t>& sizes, std::size_t count) {
  sockaddr_storage addr;
  const socklen_t len = make_address(mechanism, address, addr);
  const int family = mechanism == "raw unix" ? AF_UNIX : AF_INET;
  const int listener = ::socket(family, SOCK_STREAM, 0);
  int on = 1;
  if (family == AF_INET) ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0) fail("bind");
  if (::listen(listener, 1) != 0) fail("listen");
  const int fd = ::accept(listener, nullptr, nullptr);
  if (fd < 0) fail("accept");
  set_nodelay(mechanism, fd);
  std::vector<char> buffer(*std::max_element(sizes.begin(), sizes.end()));
  for (const auto size : sizes)
    for (std::size_t i = 0; i < count; ++i) {
      if (!read_all(fd, buffer.data(), size)) return 1;
      write_all(fd, buffer.data(), size);
    }
  ::close(fd);
  ::close(listener);
  if (family == AF_UNIX) ::unlink(address.c_str());
  return 0;
}

std::vector<std::vector<std::chrono::nanoseconds>> raw_ping(
    const std::string& mechanism, const std::string& address,
    const std::vector<std::size_t>& sizes, std::size_t count) {
  sockaddr_storage addr;
  const socklen_t len = make_address(mechanism, address, addr);
  const int family = mechanism == "raw unix" ? AF_UNIX : AF_INET;
  int fd = -1;
  for (int attempt = 0;; ++attempt) {  // the server process may still be starting
    fd = ::socket(family, SOCK_STREAM, 0);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0) break;
    ::close(fd);
    if (attempt == 5000) fail("connect");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  set_nodelay(mechanism, fd);
  std::vector<char> out(*std::max_element(sizes.begin(), sizes.end()), 'x');
  std::vector<char> in(out.size());
  std::vector<std::vector<std::chrono::nanoseconds>> samples;
  for (const auto size : sizes) {
    auto& s = samples.emplace_back();
    s.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      const auto t0 = clock::now();
      write_all(fd, out.data(), size);
      if (!read_all(fd, in.data(), size)) fail("recv: server closed");
      s.push_back(clock::now() - t0);
    }
  }
  ::close(fd);
  return samples;
}

}  // namespace strait::bench
