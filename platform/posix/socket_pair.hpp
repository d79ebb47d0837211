// What strait::spawn's parent and child ends share on POSIX: the descriptor
// the child finds its end at, owned descriptors, and the unix:// stream
// channel over one end of a socket pair.
#pragma once

#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <asio/io_context.hpp>

#include "backend.hpp"

namespace strait::detail {

// docs/wire-format.md, "Child processes".
inline constexpr std::string_view parent_channel_variable = "STRAIT_PARENT_CHANNEL";
inline constexpr int child_channel_fd = 3;  // after stdin, stdout and stderr

// A descriptor, closed unless released.
class owned_fd {
 public:
  owned_fd() = default;
  explicit owned_fd(int fd) noexcept : fd_(fd) {}
  owned_fd(owned_fd&& other) noexcept : fd_(other.release()) {}
  owned_fd& operator=(owned_fd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  ~owned_fd() { reset(); }
  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Both made close-on-exec at once where the system can (Linux, the BSDs).
// macOS cannot: there POSIX_SPAWN_CLOEXEC_DEFAULT keeps them from children
// that strait starts meanwhile on another thread.
std::error_code cloexec_socketpair(owned_fd& a, owned_fd& b);

// The current user, as the peer `pid`: the two ends of a socket pair are ours.
peer_info this_user(std::uint64_t pid);

// The unix:// stream channel over a connected AF_UNIX stream socket `fd`
// (taken from it on success); its peer is `known_peer`, or whom the socket
// says (the creator of a socket pair).
std::shared_ptr<channel_backend> socket_channel(asio::io_context& io, owned_fd& fd,
                                                std::string url, std::size_t max_message_size,
                                                std::optional<peer_info> known_peer,
                                                std::error_code& ec);

}  // namespace strait::detail
