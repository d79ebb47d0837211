// strait_process_child — the child end of the strait::spawn tests, started
// by them with strait::spawn.
//
//   strait_process_child ROLE [ARGS...]
//
// Exit code 0: the role did all it should; 1: something went wrong (said on
// stderr). Every wait is bounded, so an orphan ends on its own.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <strait/strait.hpp>

#include "child_platform.hpp"

namespace {

using namespace std::chrono_literals;

constexpr auto io_timeout = 30s;
constexpr auto wait_to_be_killed = 60s;
constexpr int not_killed = 4;
std::string self;  // argv[0]: the tests start this program by its full path

std::string text(const std::vector<std::byte>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

strait::channel parent(asio::io_context& io) {
  auto ch = strait::parent_channel(io);
  ch.set_send_timeout(io_timeout);
  ch.set_receive_timeout(io_timeout);
  return ch;
}

// Waits for the parent to close the channel; anything else is a failure.
int wait_for_close(strait::channel& ch) {
  std::error_code ec;
  ch.receive(ec);
  if (ec == strait::errc::broken_pipe) return 0;
  std::fprintf(stderr, "child: waiting for close: %s\n", ec ? ec.message().c_str() : "a message");
  return 1;
}

using args = std::vector<std::string>;

// echo: sends every message back until the parent closes.
int echo(const args&) {
  asio::io_context io;
  auto ch = parent(io);
  for (;;) {
    std::error_code ec;
    const auto message = ch.receive(ec);
    if (ec == strait::errc::broken_pipe) return 0;
    if (ec) throw std::system_error(ec, "receive");
    ch.send(asio::buffer(message));
  }
}

// exit N: exits with N at once.
int exit_with(const args& a) { return std::stoi(a.at(0)); }

// hang: sleeps until killed.
int hang(const args&) {
  std::this_thread::sleep_for(wait_to_be_killed);
  return not_killed;
}

// send-huge: sends a 1-byte message, then one of 64 MiB (more than the socket
// buffers hold), and is killed while that send is under way.
int send_huge(const args&) {
  asio::io_context io;
  auto ch = parent(io);
  ch.set_send_timeout(wait_to_be_killed);
  ch.send(strait::buffer("x"));
  std::vector<std::byte> huge(64u << 20, std::byte{0x5a});
  std::error_code ec;
  ch.send(asio::buffer(huge), ec);
  return not_killed;
}

// inherited: sends what it inherited (child_platform.hpp): "3" on POSIX.
int inherited(const args&) {
  const std::string open = strait::test::inherited_descriptors();
  asio::io_context io;
  auto ch = parent(io);
  ch.send(strait::buffer(open));
  return wait_for_close(ch);
}

// environment NAME: sends "VALUE|CURRENT DIRECTORY" ("<unset>" for no value).
int environment(const args& a) {
  // A copy: parent_channel() removes its variable, and Wine's C runtime then
  // rebuilds its whole environment, freeing what getenv returned before.
  const char* found = std::getenv(a.at(0).c_str());
  const std::string value = found ? found : "<unset>";
  asio::io_context io;
  auto ch = parent(io);
  ch.send(strait::buffer(value + "|" + std::filesystem::current_path().string()));
  return wait_for_close(ch);
}

// identify: sends "PID PEER-PID VARIABLE SECOND": its pid, the pid its
// channel's peer() names, whether STRAIT_PARENT_CHANNEL is still set after
// taking the channel, and what a second parent_channel() gave.
int identify(const args&) {
  asio::io_context io;
  auto ch = parent(io);
  std::error_code second;
  strait::parent_channel(io, second);
  const auto peer = ch.peer();
  ch.send(strait::buffer(std::to_string(strait::test::own_process_id()) + " " +
                         (peer.pid ? std::to_string(*peer.pid) : "?") + " " +
                         (std::getenv("STRAIT_PARENT_CHANNEL") ? "set" : "unset") + " " +
                         std::to_string(static_cast<int>(strait::to_errc(second)))));
  return wait_for_close(ch);
}

// try-parent-channel VALUE: sets STRAIT_PARENT_CHANNEL to VALUE, or to an
// open handle of the kind VALUE names (child_platform.hpp), and exits with
// the strait::errc parent_channel() gives.
int try_parent_channel(const args& a) {
  strait::test::set_parent_channel_variable(a.at(0));
  asio::io_context io;
  std::error_code ec;
  strait::parent_channel(io, ec);
  return static_cast<int>(strait::to_errc(ec));
}

// middle: starts `grandchild` (its stdout is ours), waits for its "ready",
// says "ready" to the test, then waits to be killed.
int middle(const args&) {
  asio::io_context io;
  auto ch = parent(io);
  auto grandchild = strait::spawn(io, self, {"grandchild"});
  grandchild.channel().set_receive_timeout(io_timeout);
  if (text(grandchild.channel().receive()) != "ready") return 1;
  ch.send(strait::buffer("ready"));
  std::this_thread::sleep_for(wait_to_be_killed);
  return not_killed;
}

// grandchild: says "ready", then prints what its next receive gives.
int grandchild(const args&) {
  asio::io_context io;
  auto ch = parent(io);
  ch.send(strait::buffer("ready"));
  std::error_code ec;
  ch.receive(ec);
  std::printf("grandchild: %s\n", ec == strait::errc::broken_pipe ? "broken_pipe"
                                                                   : ec.message().c_str());
  return 0;
}

const std::map<std::string, std::function<int(const args&)>> roles{
    {"echo", echo},
    {"exit", exit_with},
    {"hang", hang},
    {"send-huge", send_huge},
    {"inherited", inherited},
    {"environment", environment},
    {"identify", identify},
    {"try-parent-channel", try_parent_channel},
    {"middle", middle},
    {"grandchild", grandchild},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !roles.contains(argv[1])) {
    std::fprintf(stderr, "usage: strait_process_child ROLE [ARGS...]\n");
    return 2;
  }
  self = argv[0];
  try {
    return roles.at(argv[1])({argv + 2, argv + argc});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child %s: %s\n", argv[1], e.what());
    return 1;
  }
}
