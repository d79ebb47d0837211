// The connecting side of pipe:// on POSIX.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "local_socket.hpp"
#include "pipe.hpp"
#include "stream_channel.hpp"

namespace strait::detail {
namespace {

// Takes a free instance: an flock on one slot file, held until the channel closes.
int try_claim_slot(const socket_place& place, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const int fd = open_helper(place, pipe_slot_role(i), O_RDWR);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return fd;
    ::close(fd);
  }
  return -1;
}

// C5: a busy pipe fails at once, or is waited for up to the connect timeout.
int claim_slot(const socket_place& place, const connect_options& options, deadline until,
               std::error_code& ec) {
  // The listener's instance limit; 0 when it has none.
  const std::size_t count = read_helper_number(place, pipe_slots_role);
  if (count == 0) return -1;
  for (;;) {
    if (const int fd = try_claim_slot(place, count); fd >= 0) return fd;
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
  const auto place = local_socket_place("pipe", ep.name, ec);
  if (!place) return nullptr;
  const int slot = claim_slot(*place, options, deadline_after(options.timeout), ec);
  if (ec) return nullptr;
  auto release_slot = [slot] {
    if (slot >= 0) ::close(slot);
  };
  auto socket = connect_local_socket(io, *place, options, ec);
  if (!socket) {
    release_slot();
    return nullptr;
  }
  auto peer = local_peer(*socket);
  return std::make_shared<stream_channel<local_stream>>(
      std::move(*socket), ep.url(), options.max_message_size, std::move(peer), release_slot);
}

}  // namespace strait::detail
