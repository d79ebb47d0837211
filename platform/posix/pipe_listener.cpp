// The listening side of pipe:// on POSIX.
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "local_socket.hpp"
#include "pipe.hpp"
#include "stream_listener.hpp"

namespace strait::detail {
namespace {

// Publishes the instance limit; clients read it before they connect (C5).
std::error_code publish_slots(const socket_place& place, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const int fd = open_helper(place, pipe_slot_role(i), O_RDWR | O_CREAT);
    if (fd < 0) return last_system_error();
    ::close(fd);
  }
  return publish_helper(place, pipe_slots_role, std::to_string(count));
}

void withdraw_slots(const socket_place& place, std::size_t count) {
  const int dir = place.directory->fd();
  ::unlinkat(dir, place.helper(pipe_slots_role).c_str(), 0);
  for (std::size_t i = 0; i < count; ++i)
    ::unlinkat(dir, place.helper(pipe_slot_role(i)).c_str(), 0);
}

}  // namespace

std::shared_ptr<listener_backend> pipe_listen(asio::io_context& io, const strait::endpoint& ep,
                                              const listen_options& options,
                                              std::error_code& ec) {
  if (!ep.host.empty()) {
    ec = make_error_code(errc::invalid_argument);  // one serves only local pipes
    return nullptr;
  }
  if (options.allow_remote_clients) {
    ec = make_error_code(errc::not_supported);  // a Unix socket has no remote clients
    return nullptr;
  }
  auto place = local_socket_place("pipe", ep.name, ec);
  if (!place) return nullptr;
  auto binding = bind_local_socket(io, *place, ec);
  if (!binding) return nullptr;
  const std::size_t slots = options.max_instances;
  if (slots) {
    withdraw_slots(*place, slots);  // what a crashed owner left
    if ((ec = publish_slots(*place, slots))) {
      withdraw_slots(*place, slots);
      return nullptr;
    }
  }
  auto lock = std::make_shared<name_lock>(std::move(binding->lock));
  return std::make_shared<stream_listener<local_stream>>(
      std::move(binding->acceptor), ep.url(), options.max_message_size, local_peer,
      [lock, place = std::move(*place), slots] {
        withdraw_slots(place, slots);
        lock->release();
      });
}

}  // namespace strait::detail
