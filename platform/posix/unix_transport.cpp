// unix://PATH and unix://NAME: AF_UNIX stream sockets with strait's framing.
#include "unix_transport.hpp"

#include <sys/stat.h>

#include <thread>

#include <asio/local/stream_protocol.hpp>

#include "local_socket.hpp"
#include "stream_channel.hpp"
#include "stream_listener.hpp"

namespace strait::detail {
namespace {

using local = asio::local::stream_protocol;

peer_info adopt_local_socket(local::socket& socket) {
  return local_peer(socket.native_handle());
}

std::shared_ptr<channel_backend> unix_connect(asio::io_context& io, const strait::endpoint& ep,
                                              const connect_options& options,
                                              std::error_code& ec) {
  const auto path = local_socket_path("unix", ep.name, ec);
  if (ec) return nullptr;
  const auto until = deadline_after(options.timeout);
  local::socket socket(io);
  for (;;) {
    std::error_code e;
    socket.open(local(), e);
    if (!e) socket.non_blocking(true, e);
    if (!e) socket.connect(local::endpoint(path), e);
    ec = map_error(e);
    // A full accept queue: wait for room while the timeout allows (C5).
    if (ec != errc::pipe_busy || !options.timeout) break;
    if (clock::now() >= until) {
      ec = make_error_code(errc::timed_out);
      break;
    }
    socket.close(e);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (ec) return nullptr;
  auto peer = adopt_local_socket(socket);
  return std::make_shared<stream_channel<local>>(std::move(socket), ep.url(),
                                                 options.max_message_size, std::move(peer));
}

std::shared_ptr<listener_backend> unix_listen(asio::io_context& io, const strait::endpoint& ep,
                                              const listen_options& options,
                                              std::error_code& ec) {
  if (options.max_instances != 0) {
    ec = make_error_code(errc::not_supported);  // an instance limit is a pipe:// feature
    return nullptr;
  }
  const auto path = local_socket_path("unix", ep.name, ec);
  if (ec) return nullptr;
  auto lock = name_lock::acquire(path, ec);  // C7: a live owner means already_exists
  if (ec) return nullptr;
  ::unlink(path.c_str());  // C7: a file left by a crashed owner is reclaimed

  local::acceptor acceptor(io);
  std::error_code e;
  acceptor.open(local(), e);
  if (!e) acceptor.bind(local::endpoint(path), e);
  if (!e && ::chmod(path.c_str(), 0600) != 0) e = last_system_error();  // N2
  if (!e) acceptor.listen(asio::socket_base::max_listen_connections, e);
  if (e) {
    ec = map_error(e);
    return nullptr;
  }
  auto owned = std::make_shared<name_lock>(std::move(lock));
  return std::make_shared<stream_listener<local>>(
      std::move(acceptor), ep.url(), options.max_message_size, adopt_local_socket,
      [owned] { owned->release(); });
}

}  // namespace

const transport unix_transport{"unix", unix_connect, unix_listen};

}  // namespace strait::detail
