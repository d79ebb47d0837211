#include "socket_pair.hpp"

#include <sys/socket.h>

#include "local_socket.hpp"
#include "stream_channel.hpp"

namespace strait::detail {

std::error_code cloexec_socketpair(owned_fd& a, owned_fd& b) {
  int fds[2];
#if defined(SOCK_CLOEXEC)
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return last_system_error();
#else
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return last_system_error();
  keep_from_children(fds[0]);
  keep_from_children(fds[1]);
#endif
  a.reset(fds[0]);
  b.reset(fds[1]);
  return {};
}

peer_info this_user(std::uint64_t pid) {
  peer_info peer;
  peer.pid = pid;
  peer.uid = static_cast<std::uint32_t>(::getuid());
  peer.user = std::to_string(*peer.uid);
  return peer;
}

std::shared_ptr<channel_backend> socket_channel(asio::io_context& io, owned_fd& fd,
                                                std::string url, std::size_t max_message_size,
                                                std::optional<peer_info> known_peer,
                                                std::error_code& ec) {
  local_stream::socket socket(io);
  socket.assign(local_stream(), fd.get(), ec);
  if (ec) {
    ec = map_error(ec);
    return nullptr;
  }
  fd.release();
  peer_info peer = known_peer ? std::move(*known_peer) : local_peer(socket);
  if (!peer.pid) peer.pid = static_cast<std::uint64_t>(::getppid());  // no LOCAL_PEERPID
  return std::make_shared<stream_channel<local_stream>>(std::move(socket), std::move(url),
                                                        max_message_size, std::move(peer));
}

}  // namespace strait::detail
