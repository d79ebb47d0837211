// pipe_server NAME — the classic named-pipe server, on every platform.
//
// Creates pipe://NAME, waits for a client, reads its message, replies with an
// acknowledgement, and waits for the next client. On Windows this is a real
// \\.\pipe\NAME in message mode; on Linux and macOS a private Unix socket
// with the same semantics. Pair it with pipe_client.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <strait/strait.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: pipe_server NAME   (then: pipe_client NAME)\n");
    return 2;
  }
  const std::string url = fmt::format("pipe://{}", argv[1]);
  asio::io_context io;
  std::error_code ec;
  strait::listener server = strait::listen(io, url, ec);
  if (ec == strait::errc::already_exists) {
    fmt::print(stderr, "pipe_server: another process already serves {}\n", url);
    return 1;
  }
  if (ec) {
    fmt::print(stderr, "pipe_server: cannot create {}: {}\n", url, ec.message());
    return 1;
  }
  fmt::print("pipe_server: waiting for clients on {}\n", url);
  std::fflush(stdout);

  constexpr std::chrono::milliseconds first_pause(50);
  auto pause = first_pause;
  for (;;) {
    strait::channel client = server.accept(ec);
    if (ec == strait::errc::resource_exhausted) {
      // Out of descriptors: not a reason to stop serving. Wait (longer each
      // time, up to a second) and try again.
      fmt::print(stderr, "pipe_server: cannot accept: {}; trying again in {} ms\n",
                 ec.message(), pause.count());
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(1000));
      continue;
    }
    pause = first_pause;
    if (ec) {
      fmt::print(stderr, "pipe_server: accept failed: {}\n", ec.message());
      return 1;
    }
    const auto pid = client.peer().pid;
    fmt::print("client connected (pid {})\n", pid ? std::to_string(*pid) : "unknown");

    // One whole message, whatever its size (C1): no partial reads to stitch.
    std::vector<std::byte> request = client.receive(ec);
    if (ec) {
      fmt::print(stderr, "pipe_server: the client left before sending: {}\n", ec.message());
      continue;
    }
    const std::string_view text(reinterpret_cast<const char*>(request.data()), request.size());
    fmt::print("received {} bytes: \"{}\"\n", request.size(), text);

    const std::string reply = fmt::format("ack: {} bytes", request.size());
    client.send(strait::buffer(reply), ec);
    if (ec) fmt::print(stderr, "pipe_server: cannot reply: {}\n", ec.message());
    std::fflush(stdout);
  }
}
