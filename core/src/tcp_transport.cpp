#include "asio_errors.hpp"
#include "tcp_transport.hpp"

#include <string>

#include <asio/ip/tcp.hpp>
#include <fmt/format.h>

#include "socket_support.hpp"
#include "stream_channel.hpp"
#include "stream_listener.hpp"

namespace strait::detail {
namespace {

using tcp = asio::ip::tcp;

// SO_ERROR as an asio socket option: the outcome of a non-blocking connect.
struct socket_error_option {
  int value = 0;
  template <class P> int level(const P&) const { return SOL_SOCKET; }
  template <class P> int name(const P&) const { return SO_ERROR; }
  template <class P> int* data(const P&) { return &value; }
  template <class P> std::size_t size(const P&) const { return sizeof(value); }
  template <class P> void resize(const P&, std::size_t) {}
};

peer_info adopt_tcp_socket(tcp::socket& socket) {
  std::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);  // messages go out when sent
  peer_info peer;
  const auto remote = socket.remote_endpoint(ignored);
  if (!ignored) {
    const auto addr = remote.address().to_string();
    peer.address = remote.address().is_v6() ? fmt::format("[{}]:{}", addr, remote.port())
                                            : fmt::format("{}:{}", addr, remote.port());
  }
  return peer;
}

std::error_code connect_socket(tcp::socket& socket, const tcp::endpoint& to, deadline until) {
  std::error_code e;
  socket.open(to.protocol(), e);
  if (!e) socket.non_blocking(true, e);
  if (!e) socket.connect(to, e);
  if (is_asio_error(e, asio::error::in_progress) || is_asio_error(e, asio::error::would_block)) {
    if (auto w = wait_socket(socket.native_handle(), socket_wait::connect, until)) return w;
    socket_error_option result;
    socket.get_option(result, e);
    if (!e && result.value) e = std::error_code(result.value, std::system_category());
  }
  return map_error(e);
}

std::shared_ptr<channel_backend> tcp_connect(asio::io_context& io, const strait::endpoint& ep,
                                             const connect_options& options,
                                             std::error_code& ec) {
  if (ep.port == 0) {
    ec = make_error_code(errc::invalid_argument);  // port 0 only means "any" to listen
    return nullptr;
  }
  const auto until = deadline_after(options.timeout);
  tcp::resolver resolver(io);
  std::error_code e;
  const auto results = resolver.resolve(ep.host, std::to_string(ep.port),
                                        tcp::resolver::numeric_service, e);
  if (e) {
    ec = map_error(e);
    return nullptr;
  }
  ec = make_error_code(errc::not_found);
  for (const auto& entry : results) {  // e.g. ::1 then 127.0.0.1 for localhost
    tcp::socket socket(io);
    ec = connect_socket(socket, entry.endpoint(), until);
    if (!ec) {
      auto peer = adopt_tcp_socket(socket);
      return std::make_shared<stream_channel<tcp>>(std::move(socket), ep.url(),
                                                   options.max_message_size, std::move(peer));
    }
    if (ec == errc::timed_out) break;
  }
  return nullptr;
}

std::shared_ptr<listener_backend> tcp_listen(asio::io_context& io, const strait::endpoint& ep,
                                             const listen_options& options,
                                             std::error_code& ec) {
  if (options.max_instances != 0) {
    ec = make_error_code(errc::not_supported);  // an instance limit is a pipe:// feature
    return nullptr;
  }
  tcp::resolver resolver(io);
  std::error_code e;
  const auto results = resolver.resolve(ep.host, std::to_string(ep.port),
                                        tcp::resolver::passive | tcp::resolver::numeric_service, e);
  if (e || results.empty()) {
    ec = e ? map_error(e) : make_error_code(errc::not_found);
    return nullptr;
  }
  tcp::acceptor acceptor(io);
  bind_exclusive(acceptor, results.begin()->endpoint(), e);
  if (!e) acceptor.listen(asio::socket_base::max_listen_connections, e);
  const auto bound = e ? tcp::endpoint{} : acceptor.local_endpoint(e);
  if (e) {
    ec = map_error(e);
    return nullptr;
  }
  ec = {};
  // Report the port actually bound, so tcp://host:0 can be handed to clients.
  auto bound_ep = ep;
  bound_ep.port = bound.port();
  const auto url = bound_ep.url();
  return std::make_shared<stream_listener<tcp>>(std::move(acceptor), url,
                                                options.max_message_size, adopt_tcp_socket);
}

}  // namespace

const transport tcp_transport{"tcp", tcp_connect, tcp_listen};

}  // namespace strait::detail
