// unix://PATH and unix://NAME: AF_UNIX stream sockets with strait's framing.
#include "unix_transport.hpp"

#include <sys/un.h>

#include "local_socket.hpp"
#include "stream_channel.hpp"
#include "stream_listener.hpp"

namespace strait::detail {
namespace {

std::shared_ptr<channel_backend> unix_connect(asio::io_context& io, const strait::endpoint& ep,
                                              const connect_options& options,
                                              std::error_code& ec) {
  const auto place = local_socket_place("unix", ep.name, ec);
  if (!place) return nullptr;
  auto socket = connect_local_socket(io, *place, options, ec);
  if (!socket) return nullptr;
  auto peer = local_peer(*socket);
  return std::make_shared<stream_channel<local_stream>>(
      std::move(*socket), ep.url(), options.max_message_size, std::move(peer));
}

std::shared_ptr<listener_backend> unix_listen(asio::io_context& io, const strait::endpoint& ep,
                                              const listen_options& options,
                                              std::error_code& ec) {
  // An instance limit is a pipe:// feature; a Unix socket has no remote clients.
  if (options.max_instances != 0 || options.allow_remote_clients) {
    ec = make_error_code(errc::not_supported);
    return nullptr;
  }
  const auto place = local_socket_place("unix", ep.name, ec);
  if (!place) return nullptr;
  auto binding = bind_local_socket(io, *place, ec);
  if (!binding) return nullptr;
  auto lock = std::make_shared<name_lock>(std::move(binding->lock));
  return std::make_shared<stream_listener<local_stream>>(
      std::move(binding->acceptor), ep.url(), options.max_message_size, local_peer,
      [lock] { lock->release(); });
}

}  // namespace

const transport unix_transport{"unix", unix_connect, unix_listen};

std::size_t max_unix_socket_path() noexcept { return sizeof(sockaddr_un{}.sun_path) - 1; }

}  // namespace strait::detail
