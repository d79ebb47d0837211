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
std::error_code publish_slots(const std::string& path, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const int fd = ::open(pipe_slot_file(path, i).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return last_system_error();
    ::close(fd);
  }
  // Written aside and renamed into place, so a client never reads a partial count.
  const auto tmp = pipe_slots_file(path) + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return last_system_error();
  const auto text = std::to_string(count);
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written || ::rename(tmp.c_str(), pipe_slots_file(path).c_str()) != 0)
    return last_system_error();
  return {};
}

void withdraw_slots(const std::string& path, std::size_t count) {
  ::unlink(pipe_slots_file(path).c_str());
  for (std::size_t i = 0; i < count; ++i) ::unlink(pipe_slot_file(path, i).c_str());
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
  const auto path = local_socket_path("pipe", ep.name, ec);
  if (ec) return nullptr;
  auto binding = bind_local_socket(io, path, ec);
  if (!binding) return nullptr;
  const std::size_t slots = options.max_instances;
  if (slots) {
    withdraw_slots(path, slots);  // what a crashed owner left
    if ((ec = publish_slots(path, slots))) {
      withdraw_slots(path, slots);
      return nullptr;
    }
  }
  auto lock = std::make_shared<name_lock>(std::move(binding->lock));
  return std::make_shared<stream_listener<local_stream>>(
      std::move(binding->acceptor), ep.url(), options.max_message_size, local_peer,
      [lock, path, slots] {
        withdraw_slots(path, slots);
        lock->release();
      });
}

}  // namespace strait::detail
