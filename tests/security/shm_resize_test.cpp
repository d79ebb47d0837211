// A hostile shm:// client resizes the connection's memory under the server
// (S6): the server must not crash. It cannot: on Linux the memory is a memfd
// sealed against resizing, on Windows a section keeps its size
// (docs/security.md). The client (tests/shm/hostile_client.cpp) tries, and
// says whether the size changed.
#include <chrono>
#include <string>

#include <asio/io_context.hpp>
#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"

namespace {

using namespace std::chrono_literals;
using strait::errc;

constexpr auto exit_timeout = 30s;
constexpr auto io_bound = 20s;  // only means "did not hang"

// What the server sees of a client that resized the connection's memory:
// the client's message, or the end of the channel, never a crash.
void serve_resizing_client(const std::string& role) {
  asio::io_context io;
  auto listener = strait::listen(io, "shm://" + strait::test::unique_name("shm-resize"));
  auto peer = strait::test::start_beside("strait_shm_hostile_client", role, {listener.endpoint()});
  listener.set_accept_timeout(io_bound);
  auto channel = listener.accept();
  channel.set_receive_timeout(io_bound);
  std::error_code ec;
  const auto message = channel.receive(ec);
  INFO("receive: " << ec.message());
  if (!ec) {
    CHECK(std::string(reinterpret_cast<const char*>(message.data()), message.size()) == "hello");
  } else {
    CHECK((ec == errc::protocol_error || ec == errc::broken_pipe));
  }
  channel.send(strait::buffer("still here"), ec);  // the server writes into the memory too
  channel.close();
  // 0: the resize was refused (3: it took effect; 4: it could not be tried,
  // which shows nothing: tests/security/CMakeLists.txt leaves those out).
  CHECK(strait::test::exit_code_within(peer, exit_timeout) == 0);
}

}  // namespace

TEST_CASE("shm_truncated_region_does_not_crash_server", "[S6][fixed_size]") {
  serve_resizing_client("truncate");
}

TEST_CASE("shm_grown_region_does_not_crash_server", "[S6][fixed_size]") {
  serve_resizing_client("grow");
}
