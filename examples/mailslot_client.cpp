// mailslot_client NAME [TEXT] — the classic mailslot client, on every platform.
//
// Writes TEXT — or a line typed on standard input — as one message to
// mailslot://NAME. NAME may be */NAME to broadcast it to every reader of NAME
// on the network segment, or HOST/NAME to send it to the reader on one
// machine (UDP; a reader started with mailslot_server NAME --broadcast).
#include <cstdio>
#include <iostream>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include <strait/strait.hpp>

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    fmt::print(stderr, "usage: mailslot_client NAME|*/NAME|HOST/NAME [TEXT]\n");
    return 2;
  }
  const std::string url = fmt::format("mailslot://{}", argv[1]);
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
  strait::channel slot = strait::connect(io, url, ec);
  if (ec == strait::errc::not_found) {
    fmt::print(stderr, "mailslot_client: nobody reads {} (start mailslot_server {} first)\n", url,
               argv[1]);
    return 1;
  }
  if (ec) {
    fmt::print(stderr, "mailslot_client: cannot open {}: {}\n", url, ec.message());
    return 1;
  }
  slot.send(strait::buffer(text), ec);
  if (ec == strait::errc::message_too_large) {
    fmt::print(stderr, "mailslot_client: {} takes messages up to {} bytes; this one has {}\n", url,
               slot.capabilities().max_message_size, text.size());
    return 1;
  }
  if (ec) {
    fmt::print(stderr, "mailslot_client: {}\n", ec.message());
    return 1;
  }
  fmt::print("sent {} bytes to {}\n", text.size(), url);
}
