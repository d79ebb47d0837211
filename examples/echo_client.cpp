// echo_client URL [message...] — sends each message and prints the reply.
//
//   echo_client unix://echo hello world      one message per argument
//   echo_client tcp://127.0.0.1:7000 < file  one message per line of stdin
//
// Plain blocking calls: a client that talks to one server needs no event loop.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include <strait/strait.hpp>

using namespace std::chrono_literals;

namespace {

std::string_view as_text(const std::vector<std::byte>& message) {
  return {reinterpret_cast<const char*>(message.data()), message.size()};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: echo_client URL [message...]   (no message: one per stdin line)\n");
    return 2;
  }
  try {
    asio::io_context io;  // owns the sockets; the blocking calls do not run it
    strait::channel server = strait::connect(io, argv[1], {.timeout = 5s});
    server.set_receive_timeout(10s);  // a stuck server must not hang us

    auto echo = [&](std::string_view text) {
      server.send(strait::buffer(text));
      fmt::print("{}\n", as_text(server.receive()));
    };
    if (argc > 2) {
      for (int i = 2; i < argc; ++i) echo(argv[i]);
    } else {
      for (std::string line; std::getline(std::cin, line);) echo(line);
    }
  } catch (const std::system_error& e) {
    // what() names the operation and the URL, then the error and its native cause:
    // "cannot connect to tcp://127.0.0.1:7000: not found (errno 111: Connection refused)"
    fmt::print(stderr, "echo_client: {}\n", e.what());
    return 1;
  }
}
