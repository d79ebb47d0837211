// pipe_client NAME [TEXT] — the classic named-pipe client, on every platform.
//
// Connects to pipe://NAME (waiting up to 5 s while every instance is busy),
// sends TEXT — or a line typed on standard input — and prints the reply.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include <strait/strait.hpp>

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    fmt::print(stderr, "usage: pipe_client NAME [TEXT]\n");
    return 2;
  }
  const std::string url = fmt::format("pipe://{}", argv[1]);
  std::string text;
  if (argc == 3) {
    text = argv[2];
  } else {
    fmt::print("message: ");
    std::fflush(stdout);
    std::getline(std::cin, text);
  }

  asio::io_context io;
  std::error_code ec;
  strait::channel server = strait::connect(io, url, {.timeout = 5s}, ec);
  if (ec == strait::errc::not_found) {
    fmt::print(stderr, "pipe_client: nobody serves {} (start pipe_server {} first)\n", url,
               argv[1]);
    return 1;
  }
  if (ec == strait::errc::timed_out) {
    fmt::print(stderr, "pipe_client: {} stayed busy for 5 s\n", url);
    return 1;
  }
  if (ec) {
    fmt::print(stderr, "pipe_client: cannot connect to {}: {}\n", url, ec.message());
    return 1;
  }

  server.set_receive_timeout(5s);
  server.send(strait::buffer(text), ec);
  std::vector<std::byte> reply;
  if (!ec) reply = server.receive(ec);
  if (ec) {
    fmt::print(stderr, "pipe_client: {}\n", ec.message());
    return 1;
  }
  fmt::print("reply: {}\n",
             std::string_view(reinterpret_cast<const char*>(reply.data()), reply.size()));
}
