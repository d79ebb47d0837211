// Raw pipe(2) baseline on POSIX: a pair of kernel pipes, one each way. They
// are named (mkfifo) only so that a separately started process can open
// them; once open, a FIFO is the same kernel object as pipe(2), with the same
// 64 KiB buffer and the same read/write paths.
#include <fcntl.h>
#include <sys/stat.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "mechanism.hpp"

namespace strait::bench {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw bench_error(fmt::format("{}: {}", what, std::strerror(errno)));
}

// Waits until `fd` is ready for `events`, at most link_timeout.
void wait_ready(int fd, short events) {
  pollfd p{fd, events, 0};
  int r;
  do r = ::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(link_timeout).count()));
  while (r < 0 && errno == EINTR);
  if (r == 0) throw bench_error("pipe: timed out");
  if (r < 0) fail("poll");
}

class pipe_link final : public link {
 public:
  pipe_link(int read_fd, int write_fd) : read_(read_fd), write_(write_fd) {}
  ~pipe_link() override {
    ::close(read_);
    ::close(write_);
  }

  // Blocking descriptors; poll() only on the slow path, for the timeout.
  void send(const std::byte* p, std::size_t n) override {
    while (n > 0) {
      const auto w = ::write(write_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) fail("write");
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }

  void receive(std::byte* p, std::size_t n) override {
    while (n > 0) {
      const auto r = ::read(read_, p, n);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) throw bench_error("pipe: the peer closed it");
      if (r < 0) fail("read");
      p += r;
      n -= static_cast<std::size_t>(r);
    }
  }

 private:
  int read_, write_;
};

void make_blocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK); }

// Server: creates both FIFOs, then waits for the client on each.
std::unique_ptr<link> serve_pipe(const std::string& base) {
  const auto up = base + ".up", down = base + ".down";
  if (::mkfifo(up.c_str(), 0600) != 0) fail("mkfifo " + up);
  if (::mkfifo(down.c_str(), 0600) != 0) fail("mkfifo " + down);
  // Non-blocking opens with poll(), so a client that never comes is a timeout.
  const int read_fd = ::open(up.c_str(), O_RDONLY | O_NONBLOCK);
  if (read_fd < 0) fail("open " + up);
  wait_ready(read_fd, POLLIN);  // the client has opened it and sent its hello
  int write_fd = -1;
  retry_until_ready(
      [&] {  // ENXIO until the client has opened its reading end
        write_fd = ::open(down.c_str(), O_WRONLY | O_NONBLOCK);
        return write_fd >= 0;
      },
      "open " + down);
  ::unlink(up.c_str());
  ::unlink(down.c_str());
  make_blocking(read_fd);
  make_blocking(write_fd);
  std::byte hello{};
  if (::read(read_fd, &hello, 1) != 1) fail("read (hello)");
  if (::write(write_fd, &hello, 1) != 1) fail("write (hello)");
  return std::make_unique<pipe_link>(read_fd, write_fd);
}

std::unique_ptr<link> connect_pipe(const std::string& base) {
  const auto up = base + ".up", down = base + ".down";
  int write_fd = -1;
  retry_until_ready(
      [&] {  // ENOENT until the server made it, ENXIO until it opened it
        write_fd = ::open(up.c_str(), O_WRONLY | O_NONBLOCK);
        return write_fd >= 0;
      },
      "open " + up);
  const int read_fd = ::open(down.c_str(), O_RDONLY | O_NONBLOCK);
  if (read_fd < 0) fail("open " + down);
  make_blocking(write_fd);
  std::byte hello{1};
  if (::write(write_fd, &hello, 1) != 1) fail("write (hello)");
  // A read before the server has opened its end would see end-of-file: wait
  // for its hello first, then block as usual.
  wait_ready(read_fd, POLLIN);
  make_blocking(read_fd);
  if (::read(read_fd, &hello, 1) != 1) fail("read (hello)");
  return std::make_unique<pipe_link>(read_fd, write_fd);
}

[[maybe_unused]] const bool registered = register_mechanism({
    .name = "raw pipe",
    .kind = family::raw,
    .baseline_for = {},  // pipe:// is AF_UNIX on POSIX: raw unix stream is its floor
    .make_address = [] { return temp_directory() + "/" + fresh_name(); },
    .serve = serve_pipe,
    .connect = connect_pipe,
});

}  // namespace
}  // namespace strait::bench
