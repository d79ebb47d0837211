// The connecting side of pipe:// on POSIX.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <thread>

#include "local_socket.hpp"
#include "pipe.hpp"
#include "stream_channel.hpp"

namespace strait::detail {
namespace {

// The listener's instance limit, or 0 when it has none.
std::size_t read_slot_count(const std::string& path) {
  const int fd = ::open(pipe_slots_file(path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char text[24];
  const auto n = ::read(fd, text, sizeof(text));
  ::close(fd);
  std::size_t count = 0;
  if (n > 0) std::from_chars(text, text + n, count);
  return count;
}

// Takes a free instance: an flock on one slot file, held until the channel closes.
int try_claim_slot(const std::string& path, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const int fd = ::open(pipe_slot_file(path, i).c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return fd;
    ::close(fd);
  }
  return -1;
}

// C5: a busy pipe fails at once, or is waited for up to the connect timeout.
int claim_slot(const std::string& path, const connect_options& options, deadline until,
               std::error_code& ec) {
  const std::size_t count = read_slot_count(path);
  if (count == 0) return -1;
  for (;;) {
    if (const int fd = try_claim_slot(path, count); fd >= 0) return fd;
    if (!options.timeout) {
      ec = make_error_code(errc::pipe_busy);
      return -1;
    }
    if (clock::now() >= until) {
      ec = make_error_code(errc::timed_out);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace

std::shared_ptr<channel_backend> pipe_connect(asio::io_context& io, const strait::endpoint& ep,
                                              const connect_options& options,
                                              std::error_code& ec) {
  if (!ep.host.empty()) {
    ec = make_error_code(errc::not_supported);  // remote pipes need the Windows backend
    return nullptr;
  }
  const auto path = local_socket_path("pipe", ep.name, ec);
  if (ec) return nullptr;
  const int slot = claim_slot(path, options, deadline_after(options.timeout), ec);
  if (ec) return nullptr;
  auto release_slot = [slot] {
    if (slot >= 0) ::close(slot);
  };
  auto socket = connect_local_socket(io, path, options, ec);
  if (!socket) {
    release_slot();
    return nullptr;
  }
  auto peer = local_peer(*socket);
  return std::make_shared<stream_channel<local_stream>>(
      std::move(*socket), ep.url(), options.max_message_size, std::move(peer), release_slot);
}

}  // namespace strait::detail
