// The clients sweep's raw floors on Linux: one thread, one epoll set, a
// non-blocking listening socket and non-blocking connections, every byte read
// written straight back. This is the server a C programmer writes for "many
// clients, one thread"; strait's io_context server is compared with it. The
// datagram floor (for mailslot://, an AF_UNIX datagram socket on POSIX) is
// one socket read with recvfrom and answered with sendto: one socket needs no
// event set.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "clients.hpp"
#include "mechanism.hpp"

namespace strait::bench {
namespace {

[[noreturn]] void fail(const char* what) {
  throw bench_error(fmt::format("{}: {}", what, std::strerror(errno)));
}

struct fd_owner {
  int fd = -1;
  explicit fd_owner(int f) : fd(f) {
    if (fd < 0) fail("socket");
  }
  fd_owner(const fd_owner&) = delete;
  fd_owner& operator=(const fd_owner&) = delete;
  ~fd_owner() { ::close(fd); }
};

// The listening socket at `address` in the format of the raw mechanism its
// clients use: a socket path ("raw unix stream") or a loopback port ("raw tcp").
int listen_at(bool tcp, const std::string& address) {
  const int fd = ::socket(tcp ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) fail("socket");
  int rc;
  if (tcp) {
    int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in in{};
    in.sin_family = AF_INET;
    in.sin_port = htons(static_cast<std::uint16_t>(std::stoi(address)));
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&in), sizeof in);
  } else {
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    if (address.size() >= sizeof un.sun_path) throw bench_error("socket path too long");
    std::memcpy(un.sun_path, address.c_str(), address.size() + 1);
    rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&un), sizeof un);
  }
  if (rc != 0 || ::listen(fd, 256) != 0) {
    ::close(fd);
    fail("bind/listen");
  }
  return fd;
}

// Writes all of `data` to a non-blocking socket; a 64 B echo fits the socket
// buffer, so this loops only in theory (EAGAIN: wait for room).
void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const auto w = ::send(fd, data, size, MSG_NOSIGNAL);
    if (w < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (w < 0) fail("send");
    data += w;
    size -= static_cast<std::size_t>(w);
  }
}

// The datagram floor: the clients are the "raw unix dgram" mechanism, whose
// connect sends a 1-byte hello and whose close sends an empty datagram (a
// datagram socket has no close its peer sees); every other datagram is
// echoed to its sender.
std::uint64_t serve_datagrams(const std::string& path, std::size_t clients) {
  fd_owner fd(::socket(AF_UNIX, SOCK_DGRAM, 0));
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  if (path.size() >= sizeof un.sun_path) throw bench_error("socket path too long");
  std::memcpy(un.sun_path, path.c_str(), path.size() + 1);
  if (::bind(fd.fd, reinterpret_cast<const sockaddr*>(&un), sizeof un) != 0) fail("bind");
  timeval idle{};
  idle.tv_sec = 60;  // a client gone without its goodbye ends the run, not a hang
  ::setsockopt(fd.fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
  std::array<char, 4096> buffer{};
  std::uint64_t echoes = 0;
  for (std::size_t goodbyes = 0; goodbyes < clients;) {
    sockaddr_un peer{};
    socklen_t length = sizeof peer;
    const auto r = ::recvfrom(fd.fd, buffer.data(), buffer.size(), 0,
                              reinterpret_cast<sockaddr*>(&peer), &length);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) throw bench_error("no client activity for 60 s");
    if (r < 0) fail("recvfrom");
    if (r == 0) ++goodbyes;
    if (r <= 1) continue;  // a goodbye or a hello
    if (::sendto(fd.fd, buffer.data(), static_cast<std::size_t>(r), 0,
                 reinterpret_cast<const sockaddr*>(&peer), length) != r)
      fail("sendto");
    ++echoes;
  }
  ::unlink(path.c_str());
  return echoes;
}

constexpr std::string_view datagram_floor = "raw unix dgram recvfrom";

}  // namespace

std::vector<raw_echo_floor> raw_echo_floors() {
  return {
      // pipe:// is framed AF_UNIX stream on POSIX, so its floor is this one too.
      {"raw unix stream epoll", "raw unix stream", {"strait unix", "strait pipe"}},
      {"raw tcp epoll", "raw tcp", {"strait tcp"}},
      // mailslot:// is an AF_UNIX datagram socket on POSIX.
      {std::string(datagram_floor), "raw unix dgram", {"strait mailslot"}},
  };
}

std::uint64_t serve_raw_echo(const std::string& label, const std::string& address,
                             std::size_t clients) {
  if (label == datagram_floor) return serve_datagrams(address, clients);
  const bool tcp = label == "raw tcp epoll";
  fd_owner listener(listen_at(tcp, address));
  fd_owner events_fd(::epoll_create1(0));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listener.fd;
  if (::epoll_ctl(events_fd.fd, EPOLL_CTL_ADD, listener.fd, &ev) != 0) fail("epoll_ctl");

  std::size_t accepted = 0, open = 0;
  std::uint64_t bytes = 0;
  std::array<epoll_event, 64> events{};
  std::array<char, 4096> buffer{};
  while (accepted < clients || open > 0) {
    const int n = ::epoll_wait(events_fd.fd, events.data(), static_cast<int>(events.size()), 60'000);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("epoll_wait");
    if (n == 0) throw bench_error("no client activity for 60 s");
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == listener.fd) {
        for (;;) {
          const int c = ::accept4(listener.fd, nullptr, nullptr, SOCK_NONBLOCK);
          if (c < 0) break;  // EAGAIN: every waiting client accepted
          if (tcp) {
            int on = 1;
            ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
          }
          epoll_event ce{};
          ce.events = EPOLLIN;
          ce.data.fd = c;
          if (::epoll_ctl(events_fd.fd, EPOLL_CTL_ADD, c, &ce) != 0) fail("epoll_ctl");
          ++accepted;
          ++open;
        }
        if (!tcp && accepted == clients) ::unlink(address.c_str());
        continue;
      }
      const auto r = ::recv(fd, buffer.data(), buffer.size(), 0);
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (r <= 0) {  // the client closed (or reset): done with it
        ::epoll_ctl(events_fd.fd, EPOLL_CTL_DEL, fd, nullptr);
        ::close(fd);
        --open;
        continue;
      }
      write_all(fd, buffer.data(), static_cast<std::size_t>(r));
      bytes += static_cast<std::uint64_t>(r);
    }
  }
  return bytes / 64;
}

double process_cpu_seconds() {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return -1;
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace strait::bench
