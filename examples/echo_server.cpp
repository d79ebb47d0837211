// echo_server URL — serves URL and sends every message back to its sender.
//
//   echo_server unix://echo          echo_server tcp://127.0.0.1:7000
//
// One thread, asio coroutines: each client is served by its own coroutine,
// so a slow client never holds up the others. Out of descriptors, it waits
// for clients to leave and accepts again. Ctrl-C stops serving and frees
// the name.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <system_error>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
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

// Running out of descriptors (resource_exhausted) is no reason to stop
// serving the clients we have: wait, doubling the pause up to a second so
// that a listener that stays readable is not polled in a busy loop, and
// accept again once some have left.
asio::awaitable<void> pause_after_failed_accept(const std::error_code& ec,
                                                std::chrono::milliseconds& pause) {
  fmt::print(stderr, "echo_server: cannot accept: {}; trying again in {} ms\n", ec.message(),
             pause.count());
  asio::steady_timer timer(co_await asio::this_coro::executor, pause);
  co_await timer.async_wait(asio::use_awaitable);
  pause = std::min(pause * 2, std::chrono::milliseconds(1000));
}

// `server` is a reference: it outlives io.run(), and so this coroutine.
asio::awaitable<void> serve(strait::listener& server) {
  constexpr std::chrono::milliseconds first_pause(50);
  auto pause = first_pause;
  for (int id = 1;;) {
    std::error_code ec;
    strait::channel client =
        co_await server.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == strait::errc::resource_exhausted) {
      co_await pause_after_failed_accept(ec, pause);
      continue;
    }
    if (ec) throw std::system_error(ec, "accept");  // the listener is gone
    pause = first_pause;
    fmt::print("client {} connected {}\n", id, describe_peer(client.peer()));
    std::fflush(stdout);  // one line per connection, even into a pipe
    asio::co_spawn(server.get_executor(), echo(std::move(client), id++), asio::detached);
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
