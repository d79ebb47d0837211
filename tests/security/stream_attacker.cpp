// strait_stream_attacker ROLE URL CONTROL_URL [ARGS...]: a hostile client of a
// stream transport (tcp://, unix://, POSIX pipe://), run in its own process
// by tests/security (issue 12). It reports each step to the test on
// CONTROL_URL (a pipe:// the test serves) and holds its connections until
// the test closes that channel.
//
// Roles:
//   stall COUNT BYTES  COUNT connections, one after the other; on each, the
//                      header of a message of the largest size the server
//                      takes (64 MiB), then BYTES of it, then nothing more.
//                      Says "stalled" on CONTROL_URL after each.
//   idle COUNT         COUNT connections that never send a byte; says "idle"
//                      when all are connected.
//   hold COUNT         COUNT connections that each send "hello" and then
//                      nothing; says "held" when all are connected.
// Exit code 0 when the role ran and the test closed CONTROL_URL; 1 on any
// failure of its own (said on stderr).
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <asio/io_context.hpp>
#include <strait/strait.hpp>

#include "raw_frames.hpp"

namespace {

using namespace std::chrono_literals;

constexpr auto io_timeout = 60s;  // longer than the test's own waits: the test reports first

std::string text(const std::vector<std::byte>& m) {
  return {reinterpret_cast<const char*>(m.data()), m.size()};
}

struct attacker {
  asio::io_context io;
  std::string url;
  strait::channel control;
  std::vector<strait::channel> connections;

  strait::channel connect() {
    return strait::connect(io, url, {.timeout = std::chrono::milliseconds(io_timeout)});
  }
  void say(std::string_view what) { control.send(strait::buffer(what)); }

  // Holds the connections until the test closes the control channel.
  int wait_for_close() {
    std::error_code ec;
    const auto extra = control.receive(ec);
    if (ec == strait::errc::broken_pipe) return 0;
    throw std::runtime_error(ec ? "control: " + ec.message() : "unexpected: " + text(extra));
  }
};

int stall(attacker& a, std::size_t count, std::size_t bytes) {
  const auto header = strait::test::frame_header(static_cast<std::uint32_t>(strait::default_max_message_size));
  const std::vector<std::byte> part(bytes, std::byte{0x5a});
  for (std::size_t i = 0; i < count; ++i) {
    a.connections.push_back(a.connect());
    strait::test::write_raw(a.connections.back(), header);
    strait::test::write_raw(a.connections.back(), part);
    a.say("stalled");
  }
  return a.wait_for_close();
}

int idle(attacker& a, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) a.connections.push_back(a.connect());
  a.say("idle");
  return a.wait_for_close();
}

int hold(attacker& a, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    a.connections.push_back(a.connect());
    a.connections.back().send(strait::buffer("hello"));
  }
  a.say("held");
  return a.wait_for_close();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: strait_stream_attacker ROLE URL CONTROL_URL ARGS...\n");
    return 2;
  }
  try {
    const std::string_view role = argv[1];
    attacker a;
    a.url = argv[2];
    a.control = strait::connect(a.io, argv[3], {.timeout = std::chrono::milliseconds(io_timeout)});
    a.control.set_receive_timeout(io_timeout);
    const std::size_t count = std::stoul(argv[4]);
    if (role == "stall" && argc == 6) return stall(a, count, std::stoul(argv[5]));
    if (role == "idle") return idle(a, count);
    if (role == "hold") return hold(a, count);
    std::fprintf(stderr, "strait_stream_attacker: unknown role or arguments\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "strait_stream_attacker: %s\n", e.what());
    return 1;
  }
}
