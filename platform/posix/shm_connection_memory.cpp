// A shm:// connection's memory on POSIX (core/src/shm_connection.hpp):
// anonymous memory (anonymous_memory.hpp) whose descriptor the listener
// sends over the connection's socket (SCM_RIGHTS) before the hello, so that
// nothing of the connection has a name: when both ends are gone, closed or
// killed, the system frees it (S2). The four wake-ups are words after the
// rings, slept on like a named event (wait_acquire.hpp).
//
// The offer is one byte on the socket, before any framed message: 'M' with
// the descriptor, or 'E' without one when the listener failed (the hello
// then says why). The client reads it with recvmsg before its channel reads
// anything, so no descriptor is ever dropped into the channel's buffer.
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <new>

#include "anonymous_memory.hpp"
#include "no_sigpipe.hpp"
#include "shm_connection.hpp"
#include "socket_support.hpp"
#include "wait_acquire.hpp"

namespace strait::detail::shm {
namespace {

#if defined(MSG_CMSG_CLOEXEC)
constexpr int receive_cloexec = MSG_CMSG_CLOEXEC;
#else
constexpr int receive_cloexec = 0;  // keep_from_children below
#endif

constexpr char offer_memory = 'M';
constexpr char offer_none = 'E';
constexpr const char* locator_descriptor = "fd";

struct wake_word {
  std::atomic<std::uint32_t> set;
  std::atomic<std::uint32_t> wakes;
};

constexpr std::size_t wakes_offset(std::uint32_t ring_capacity) noexcept {
  return (region_size(ring_capacity) + 63) / 64 * 64;
}
constexpr std::size_t memory_size(std::uint32_t ring_capacity) noexcept {
  return wakes_offset(ring_capacity) + wake_count * sizeof(wake_word);
}

class posix_connection_memory final : public connection_memory {
 public:
  explicit posix_connection_memory(int fd) noexcept : fd_(fd) {}
  ~posix_connection_memory() override {
    if (map_ != MAP_FAILED) ::munmap(map_, map_size_);
    if (fd_ >= 0) ::close(fd_);
  }

  std::error_code map(const std::string& locator, std::uint32_t ring_capacity) override {
    if (locator != locator_descriptor || fd_ < 0 || map_ != MAP_FAILED)
      return make_error_code(errc::protocol_error);
    // S6: before touching it, the memory must be what the hello says and
    // (with memfd) sealed, so the listener cannot shrink it under us.
    if (const auto ec = check_anonymous_memory(fd_, memory_size(ring_capacity))) return ec;
    return map_memory(ring_capacity);
  }

  std::error_code map_memory(std::uint32_t ring_capacity) {
    map_size_ = memory_size(ring_capacity);
    map_ = ::mmap(nullptr, map_size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (map_ == MAP_FAILED) return last_system_error();
    data_ = static_cast<std::byte*>(map_);
    capacity_ = ring_capacity;
    return {};
  }

  void set(int wake) noexcept override {
    auto& w = word(wake);
    w.set.store(1, std::memory_order_release);
    announce(w.wakes, 1);  // auto-reset: one sleeper
  }

  bool wait(int wake, deadline until, std::error_code& ec) noexcept override {
    auto& w = word(wake);
    const auto take = [&w] {
      std::uint32_t expected = 1;
      return w.set.compare_exchange_strong(expected, 0, std::memory_order_acquire,
                                           std::memory_order_relaxed);
    };
    const auto is_set = [&w] { return w.set.load(std::memory_order_acquire) != 0; };
    const auto result = acquire(w.wakes, until, nullptr, take, is_set);
    if (result == errc::timed_out) return false;
    ec = result;
    return !result;
  }

  int descriptor() const noexcept { return fd_; }

 private:
  wake_word& word(int wake) const noexcept {
    return reinterpret_cast<wake_word*>(data_ + wakes_offset(capacity_))[wake];
  }

  int fd_ = -1;
  void* map_ = MAP_FAILED;
  std::size_t map_size_ = 0;
};

}  // namespace

std::unique_ptr<connection_memory> create_connection_memory(std::uint32_t ring_capacity,
                                                            std::string& locator,
                                                            std::error_code& ec) {
  const int fd = create_anonymous_memory(memory_size(ring_capacity), ec);
  if (fd < 0) return nullptr;
  auto memory = std::make_unique<posix_connection_memory>(fd);
  if ((ec = memory->map_memory(ring_capacity))) return nullptr;
  auto* header = new (memory->data()) region_header{};  // the rest is zero already
  std::memcpy(header->magic, region_magic, sizeof region_magic);
  header->capacity = ring_capacity;
  locator = locator_descriptor;
  return memory;
}

std::error_code offer_connection_memory(const connection_memory* memory,
                                        native_handle_type control) {
  char byte = memory ? offer_memory : offer_none;
  iovec data{&byte, 1};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int))> space{};
  if (memory) {
    const int fd = static_cast<const posix_connection_memory*>(memory)->descriptor();
    message.msg_control = space.data();
    message.msg_controllen = space.size();
    cmsghdr* c = CMSG_FIRSTHDR(&message);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  // The first byte on a new connection: the socket's buffer has room for it.
  if (::sendmsg(control, &message, MSG_DONTWAIT | no_sigpipe) != 1) return last_system_error();
  return {};
}

namespace {

// Closes every descriptor a message brought; returns the one it should have
// brought (exactly one, SCM_RIGHTS) or -1.
int take_descriptor(msghdr& message) {
  int kept = -1;
  int count = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < n; ++i) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      keep_from_children(fd);
      if (++count == 1)
        kept = fd;
      else
        ::close(fd);
    }
  }
  if (count > 1 && kept >= 0) {
    ::close(kept);
    kept = -1;
  }
  return kept;
}

}  // namespace

std::unique_ptr<connection_memory> receive_connection_memory(native_handle_type control,
                                                             deadline until,
                                                             std::error_code& ec) {
  char byte = 0;
  iovec data{&byte, 1};
  // Room for a few more than one, so that extra descriptors are received
  // (and closed) rather than left to MSG_CTRUNC.
  alignas(cmsghdr) std::array<char, CMSG_SPACE(4 * sizeof(int))> space{};
  msghdr message{};
  message.msg_iov = &data;
  message.msg_iovlen = 1;
  message.msg_control = space.data();
  message.msg_controllen = space.size();
  ssize_t n = -1;
  for (;;) {
    n = ::recvmsg(control, &message, MSG_DONTWAIT | receive_cloexec);
    if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) break;
    if ((ec = wait_socket(control, socket_wait::read, until))) return nullptr;
  }
  if (n < 0) {
    ec = last_system_error();
    return nullptr;
  }
  const int fd = n == 1 ? take_descriptor(message) : -1;
  if (n == 0) {
    ec = make_error_code(errc::broken_pipe);
    return nullptr;
  }
  // S6: 'M' with exactly one descriptor, or 'E' with none (the hello says why).
  const bool truncated = (message.msg_flags & MSG_CTRUNC) != 0;
  if (byte == offer_none && fd < 0 && !truncated)
    return std::make_unique<posix_connection_memory>(-1);
  if (byte != offer_memory || fd < 0 || truncated) {
    if (fd >= 0) ::close(fd);
    ec = make_error_code(errc::protocol_error);
    return nullptr;
  }
  return std::make_unique<posix_connection_memory>(fd);
}

}  // namespace strait::detail::shm
