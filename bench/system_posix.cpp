// Platform services of the bench on POSIX: ports, names, CPU pinning, and
// what the machine is.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>
#if defined(__linux__)
#include <sched.h>
#endif

#include <atomic>
#include <cerrno>
#include <csignal>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "mechanism.hpp"

namespace strait::bench {
namespace {

// A peer that goes away shows as EPIPE from send, not as a signal that ends
// the bench (portable: macOS has no MSG_NOSIGNAL).
const bool sigpipe_ignored = std::signal(SIGPIPE, SIG_IGN) != SIG_ERR;

}  // namespace

unsigned short free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(in);
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&in), sizeof(in)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&in), &len) == 0;
  const int error = errno;
  if (fd >= 0) ::close(fd);
  if (!ok) throw bench_error(fmt::format("no free TCP port: {}", std::strerror(error)));
  return ntohs(in.sin_port);
}

std::string fresh_name() {
  // Short (macOS shm names hold 31 bytes), unique per process and call; the
  // clock tells runs apart when a crashed run's pid comes back.
  static std::atomic<unsigned> counter{0};
  const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
  return fmt::format("sb-{}-{}-{:x}", ::getpid(), ++counter,
                     static_cast<unsigned long long>(ticks) & 0xffffff);
}

std::string temp_directory() {
  const char* dir = std::getenv("TMPDIR");
  return dir && *dir ? dir : "/tmp";
}

bool pin_to_cpu(int cpu) {
#if defined(__linux__)
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return ::sched_setaffinity(0, sizeof(set), &set) == 0;
#else
  (void)cpu;  // macOS has no hard CPU affinity
  return false;
#endif
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) != 0; }

std::string find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return {};
  const std::string dirs = path;
  std::size_t start = 0;
  while (start <= dirs.size()) {
    auto end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const auto candidate = dirs.substr(start, end - start) + "/" + program;
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

std::string cpu_description() {
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);)
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  utsname u{};
  return ::uname(&u) == 0 ? u.machine : "unknown CPU";
}

std::string os_description() {
  utsname u{};
  if (::uname(&u) != 0) return "unknown OS";
  return fmt::format("{} {} {}", u.sysname, u.release, u.machine);
}

}  // namespace strait::bench
