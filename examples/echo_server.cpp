// echo_server URL — serves URL and sends every message back to its sender.
//
//   echo_server unix://echo          echo_server tcp://127.0.0.1:7000
//
// One thread, asio coroutines: each client is served by its own coroutine,
// so a slow client never holds up the others. Ctrl-C stops serving and
// frees the name.
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <system_error>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/signal_set.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <strait/strait.hpp>

namespace {

std::string describe_peer(const strait::peer_info& peer) {
  if (!peer.address.empty()) return fmt::format("from {}", peer.address);
  if (peer.pid) return fmt::format("from pid {}", *peer.pid);
  return "from an unknown peer";  // the OS could not say
}

asio::awaitable<void> echo(strait::channel client, int id) {
  try {
    for (;;) {
      std::vector<std::byte> message = co_await client.async_receive(asio::use_awaitable);
      co_await client.async_send(asio::buffer(message), asio::use_awaitable);
    }
  } catch (const std::system_error& e) {
    // broken_pipe is the normal end: the client closed its end.
    if (e.code() != strait::errc::broken_pipe)
      fmt::print(stderr, "echo_server: client {}: {}\n", id, e.code().message());
  }
}

// `server` is a reference: it outlives io.run(), and so this coroutine.
asio::awaitable<void> serve(strait::listener& server) {
  for (int id = 1;; ++id) {
    strait::channel client = co_await server.async_accept(asio::use_awaitable);
    fmt::print("client {} connected {}\n", id, describe_peer(client.peer()));
    std::fflush(stdout);  // one line per connection, even into a pipe
    asio::co_spawn(server.get_executor(), echo(std::move(client), id), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: echo_server URL   (e.g. unix://echo or tcp://127.0.0.1:7000)\n");
    return 2;
  }
  try {
    asio::io_context io;
    strait::listener server = strait::listen(io, argv[1]);
    fmt::print("echo_server: serving {}\n", server.endpoint());
    std::fflush(stdout);

    asio::signal_set stop(io, SIGINT, SIGTERM);
    stop.async_wait([&](std::error_code, int) { io.stop(); });

    // A failed accept ends serve() with an exception; rethrowing it here
    // makes io.run() throw it into the catch below.
    asio::co_spawn(io, serve(server), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
    io.run();
  } catch (const std::exception& e) {
    fmt::print(stderr, "echo_server: {}\n", e.what());
    return 1;
  }
}
