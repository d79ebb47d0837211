// mailslot_server NAME [--broadcast [INTERFACE]] — the classic mailslot
// server, on every platform.
//
// Creates mailslot://NAME and prints every message any process writes to
// it, forever (Ctrl-C ends it). On Windows this is a real \\.\mailslot\NAME;
// on Linux and macOS a private datagram socket with the same semantics.
// With --broadcast it also receives mailslot://*/NAME, sent from any machine
// on the network segment (INTERFACE: the local IPv4 address to listen on).
// Pair it with mailslot_client.
#include <cstdio>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include <strait/strait.hpp>

int main(int argc, char** argv) {
  const bool broadcast = argc >= 3 && argv[2] == std::string_view("--broadcast");
  if (argc < 2 || (argc >= 3 && !broadcast) || argc > 4) {
    fmt::print(stderr, "usage: mailslot_server NAME [--broadcast [INTERFACE]]   (then: mailslot_client NAME TEXT)\n");
    return 2;
  }
  asio::io_context io;
  strait::mailslot_options options;
  options.receive_broadcasts = broadcast;
  if (argc == 4) options.broadcast.interface_address = argv[3];
  std::error_code ec;
  strait::mailslot box = strait::mailslot::create(io, argv[1], options, ec);
  if (ec == strait::errc::already_exists) {
    fmt::print(stderr, "mailslot_server: another process already reads mailslot://{}\n", argv[1]);
    return 1;
  }
  if (ec) {
    fmt::print(stderr, "mailslot_server: cannot create mailslot://{}: {}\n", argv[1], ec.message());
    return 1;
  }
  fmt::print("mailslot_server: reading {} (messages up to {} bytes){}\n", box.endpoint(),
             box.max_message_size(), broadcast ? ", and its broadcasts" : "");
  std::fflush(stdout);

  for (unsigned long n = 1;; ++n) {
    // One whole message, as it was written: the size is the sender's.
    const std::vector<std::byte> message = box.receive(ec);
    if (ec) {
      fmt::print(stderr, "mailslot_server: {}\n", ec.message());
      if (ec == strait::errc::message_too_large) continue;  // dropped; the next is fine
      return 1;
    }
    const std::string_view text(reinterpret_cast<const char*>(message.data()), message.size());
    fmt::print("message {} ({} bytes): {}\n", n, message.size(), text);
    std::fflush(stdout);
  }
}
