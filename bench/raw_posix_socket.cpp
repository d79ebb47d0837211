// Raw socket baselines on POSIX: AF_UNIX stream, AF_UNIX datagram and TCP
// loopback with TCP_NODELAY, written straight against the system calls (no
// strait, no asio). Stream sockets carry bare payloads (both ends know the
// size); a datagram is one message.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "mechanism.hpp"

namespace strait::bench {
namespace {

[[noreturn]] void fail(const char* what) {
  throw bench_error(fmt::format("{}: {}", what, std::strerror(errno)));
}

class socket_fd {
 public:
  explicit socket_fd(int fd = -1) noexcept : fd_(fd) {}
  socket_fd(socket_fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  socket_fd& operator=(socket_fd&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~socket_fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

void set_timeouts(int fd) {
  timeval tv{};
  tv.tv_sec = link_timeout.count();
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

void set_nodelay(int fd) {
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  if (path.size() >= sizeof un.sun_path) throw bench_error("socket path too long: " + path);
  std::memcpy(un.sun_path, path.c_str(), path.size() + 1);
  return un;
}

sockaddr_in tcp_address(const std::string& port) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = htons(static_cast<std::uint16_t>(std::stoi(port)));
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return in;
}

// ---- stream sockets: AF_UNIX and TCP --------------------------------------

class stream_link final : public link {
 public:
  explicit stream_link(socket_fd fd) : fd_(std::move(fd)) { set_timeouts(fd_.get()); }

  void send(const std::byte* p, std::size_t n) override {
    while (n > 0) {
      const auto w = ::send(fd_.get(), p, n, 0);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) fail("send");
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }

  void receive(std::byte* p, std::size_t n) override {
    while (n > 0) {
      const auto r = ::recv(fd_.get(), p, n, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) throw bench_error("the peer closed the connection");
      if (r < 0) fail("recv");
      p += r;
      n -= static_cast<std::size_t>(r);
    }
  }

 private:
  socket_fd fd_;
};

template <class Address>
std::unique_ptr<link> serve_stream(int family, const Address& address, bool tcp) {
  socket_fd listener(::socket(family, SOCK_STREAM, 0));
  int on = 1;
  if (tcp) ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    fail("bind");
  if (::listen(listener.get(), 1) != 0) fail("listen");
  socket_fd fd(::accept(listener.get(), nullptr, nullptr));
  if (fd.get() < 0) fail("accept");
  if (tcp) set_nodelay(fd.get());
  return std::make_unique<stream_link>(std::move(fd));
}

template <class Address>
std::unique_ptr<link> connect_stream(int family, const Address& address, bool tcp) {
  socket_fd fd;
  retry_until_ready(
      [&] {  // the server process may still be starting
        fd = socket_fd(::socket(family, SOCK_STREAM, 0));
        return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) ==
               0;
      },
      "connect");
  if (tcp) set_nodelay(fd.get());
  return std::make_unique<stream_link>(std::move(fd));
}

// ---- AF_UNIX datagrams: each end binds a path, a client's is PATH.NAME ----

// Well under the default socket send buffer (about 208 KiB on Linux), which
// bounds the datagram size an unprivileged process can send.
constexpr std::size_t max_datagram = 128 * 1024;

class datagram_link final : public link {
 public:
  datagram_link(socket_fd fd, std::string own_path)
      : fd_(std::move(fd)), own_path_(std::move(own_path)) {
    set_timeouts(fd_.get());
    int size = 4 * max_datagram;  // the kernel caps it at wmem_max/rmem_max
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  ~datagram_link() override {
    // A datagram socket has no close its peer sees: an empty datagram says it
    // (the clients sweep's server counts them); nobody listening is fine. It
    // may wait (up to the send timeout) for room in a busy server's queue.
    ::send(fd_.get(), nullptr, 0, 0);
    ::unlink(own_path_.c_str());
  }

  void send(const std::byte* p, std::size_t n) override {
    ssize_t w;
    do w = ::send(fd_.get(), p, n, 0);
    while (w < 0 && errno == EINTR);
    if (w < 0) fail("send");
  }

  void receive(std::byte* p, std::size_t n) override {
    ssize_t r;  // MSG_TRUNC: the real length, so a longer datagram shows
    do r = ::recv(fd_.get(), p, n, MSG_TRUNC);
    while (r < 0 && errno == EINTR);
    if (r < 0) fail("recv");
    if (static_cast<std::size_t>(r) != n)
      throw bench_error(fmt::format("datagram of {} B, {} B expected", r, n));
  }

  std::size_t max_message_size() const override { return max_datagram; }

 private:
  socket_fd fd_;
  std::string own_path_;
};

socket_fd bound_datagram_socket(const std::string& path) {
  socket_fd fd(::socket(AF_UNIX, SOCK_DGRAM, 0));
  const auto address = unix_address(path);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    fail("bind");
  return fd;
}

std::unique_ptr<link> serve_datagram(const std::string& path) {
  auto fd = bound_datagram_socket(path);
  std::byte hello{};
  sockaddr_un peer{};
  socklen_t len = sizeof peer;
  timeval tv{};
  tv.tv_sec = link_timeout.count();
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::recvfrom(fd.get(), &hello, 1, 0, reinterpret_cast<sockaddr*>(&peer), &len) != 1)
    fail("recvfrom (hello)");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&peer), len) != 0) fail("connect");
  return std::make_unique<datagram_link>(std::move(fd), path);
}

std::unique_ptr<link> connect_datagram(const std::string& path) {
  // Its own name: several clients may share one server (the clients sweep).
  const std::string own = path + "." + fresh_name();
  auto fd = bound_datagram_socket(own);
  const auto server = unix_address(path);
  retry_until_ready(
      [&] {  // ENOENT / ECONNREFUSED until the server has bound its path
        return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&server), sizeof server) == 0;
      },
      "connect");
  const std::byte hello{1};
  if (::send(fd.get(), &hello, 1, 0) != 1) fail("send (hello)");
  return std::make_unique<datagram_link>(std::move(fd), own);
}

std::string socket_path() { return temp_directory() + "/" + fresh_name() + ".sock"; }

// The stream server unlinks its path once it has accepted.
std::unique_ptr<link> serve_unix_stream(const std::string& path) {
  auto l = serve_stream(AF_UNIX, unix_address(path), false);
  ::unlink(path.c_str());
  return l;
}

[[maybe_unused]] const bool registered_unix_stream = register_mechanism({
    .name = "raw unix stream",
    .kind = family::raw,
    // pipe:// is framed AF_UNIX stream on POSIX; ZeroMQ and NNG ipc:// too.
    .baseline_for = {{"strait unix"}, {"strait pipe"}, {"zmq ipc"}, {"nng ipc"}},
    .make_address = socket_path,
    .serve = serve_unix_stream,
    .connect =
        [](const std::string& path) { return connect_stream(AF_UNIX, unix_address(path), false); },
});

[[maybe_unused]] const bool registered_unix_datagram = register_mechanism({
    .name = "raw unix dgram",
    .kind = family::raw,
    .baseline_for = {{"strait mailslot"}},  // the POSIX mailslot is AF_UNIX SOCK_DGRAM
    .make_address = socket_path,
    .serve = serve_datagram,
    .connect = connect_datagram,
});

[[maybe_unused]] const bool registered_tcp = register_mechanism({
    .name = "raw tcp",
    .kind = family::raw,
    .baseline_for = {{"strait tcp"}, {"zmq tcp"}},
    .make_address = [] { return std::to_string(free_tcp_port()); },
    .serve = [](const std::string& port) { return serve_stream(AF_INET, tcp_address(port), true); },
    .connect =
        [](const std::string& port) { return connect_stream(AF_INET, tcp_address(port), true); },
});

}  // namespace
}  // namespace strait::bench
