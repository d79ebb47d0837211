// Issue 12, item 1: what a hostile stream client (tcp://, unix://, POSIX
// pipe://) can make a server hold. This process is the server, receiving
// whole messages as the echo server and `strait listen` do;
// strait_stream_attacker is the client, in its own process. The bound is
// measured: resident memory from /proc/self/statm.
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"

using namespace std::chrono_literals;

namespace {

constexpr std::size_t mib = 1024 * 1024;
constexpr std::size_t stalled_connections = 64;
constexpr std::size_t stalled_bytes = 4096;
constexpr std::size_t idle_connections = 1000;
constexpr std::size_t allowed_growth = 16 * mib;  // issue 12's bound for either attack

std::size_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  REQUIRE(f != nullptr);
  unsigned long size = 0, resident = 0;
  const int fields = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  REQUIRE(fields == 2);
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

std::string listen_url(const std::string& scheme) {
  if (scheme == "tcp") return "tcp://127.0.0.1:0";
  return scheme + "://" + strait::test::unique_name("security-memory");
}

std::string text(const std::vector<std::byte>& m) {
  return {reinterpret_cast<const char*>(m.data()), m.size()};
}

// A server that keeps a whole-message async_receive pending on every client.
struct receiving_server {
  asio::io_context io;
  strait::listener listener;
  strait::listener control_listener =
      strait::listen(io, "pipe://" + strait::test::unique_name("security-control"));
  strait::channel control;
  std::vector<std::unique_ptr<strait::channel>> clients;
  std::size_t finished = 0;  // receives that completed: none should

  explicit receiving_server(const std::string& scheme) : listener(strait::listen(io, listen_url(scheme))) {
    listener.set_accept_timeout(60s);
    control_listener.set_accept_timeout(60s);
  }

  strait::test::child_process start_attacker(const std::string& role,
                                             const std::vector<std::string>& args) {
    std::vector<std::string> all{listener.endpoint(), control_listener.endpoint()};
    all.insert(all.end(), args.begin(), args.end());
    auto child = strait::test::start_beside("strait_stream_attacker", role, all);
    control = control_listener.accept();
    control.set_receive_timeout(60s);
    return child;
  }

  void accept_and_receive() {
    clients.push_back(std::make_unique<strait::channel>(listener.accept()));
    clients.back()->async_receive([this](std::error_code, std::vector<std::byte>) { ++finished; });
  }

  // Runs the handlers until every client's socket is drained into strait
  // and nothing is left to do: what the attacker sent is now held.
  void take_in_what_was_sent() {
    const auto until = std::chrono::steady_clock::now() + 60s;
    for (;;) {
      io.poll();
      std::size_t unread = 0;
      for (auto& c : clients) {
        int n = 0;
        REQUIRE(::ioctl(c->native_handle(), FIONREAD, &n) == 0);
        unread += static_cast<std::size_t>(n);
      }
      if (unread == 0 && io.poll() == 0) return;
      REQUIRE(std::chrono::steady_clock::now() < until);
      io.restart();
    }
  }
};

void stalled_messages_are_bounded_by_bytes_sent(const std::string& scheme) {
  receiving_server server(scheme);
  auto attacker = server.start_attacker(
      "stall", {std::to_string(stalled_connections), std::to_string(stalled_bytes)});
  const std::size_t before = resident_bytes();
  for (std::size_t i = 0; i < stalled_connections; ++i) {
    server.accept_and_receive();
    REQUIRE(text(server.control.receive()) == "stalled");
    server.take_in_what_was_sent();
    const std::size_t growth = resident_bytes() - std::min(before, resident_bytes());
    INFO("after " << i + 1 << " connections announcing 64 MiB and sending " << stalled_bytes
                  << " bytes each, resident memory grew by " << growth / 1024 << " KiB");
    REQUIRE(growth < allowed_growth);  // stop at once: the old code took 64 MiB each
  }
  CHECK(server.finished == 0);
  server.control.close();
  CHECK(strait::test::exit_code_within(attacker, 60s) == 0);
}

void idle_connections_hold_no_buffers(const std::string& scheme) {
  receiving_server server(scheme);
  auto attacker = server.start_attacker("idle", {std::to_string(idle_connections)});
  const std::size_t before = resident_bytes();
  for (std::size_t i = 0; i < idle_connections; ++i) server.accept_and_receive();
  REQUIRE(text(server.control.receive()) == "idle");
  server.take_in_what_was_sent();
  const std::size_t growth = resident_bytes() - std::min(before, resident_bytes());
  INFO(idle_connections << " idle connections, each with a receive pending, grew resident memory by "
                        << growth / 1024 << " KiB");
  CHECK(growth < allowed_growth);
  CHECK(server.finished == 0);
  server.control.close();
  CHECK(strait::test::exit_code_within(attacker, 60s) == 0);
}

}  // namespace

TEST_CASE("stream_memory_bounded_by_bytes_sent.tcp", "[security][rss]") {
  stalled_messages_are_bounded_by_bytes_sent("tcp");
}
TEST_CASE("stream_memory_bounded_by_bytes_sent.unix", "[security][rss]") {
  stalled_messages_are_bounded_by_bytes_sent("unix");
}
TEST_CASE("stream_memory_bounded_by_bytes_sent.pipe", "[security][rss]") {
  stalled_messages_are_bounded_by_bytes_sent("pipe");
}

TEST_CASE("stream_idle_connections_hold_no_buffers.tcp", "[security][rss]") {
  idle_connections_hold_no_buffers("tcp");
}
TEST_CASE("stream_idle_connections_hold_no_buffers.unix", "[security][rss]") {
  idle_connections_hold_no_buffers("unix");
}
TEST_CASE("stream_idle_connections_hold_no_buffers.pipe", "[security][rss]") {
  idle_connections_hold_no_buffers("pipe");
}
