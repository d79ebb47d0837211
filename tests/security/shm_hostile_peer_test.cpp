// A hostile or killed shm:// peer (docs/security.md): an unanswered
// handshake does not hold the server's resources forever, and a killed
// connection leaves nothing named in /dev/shm (the threat model: "a killed
// process leaves nothing named behind"; S2). Resizing the memory:
// shm_resize_test.cpp.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>
#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr auto exit_timeout = 30s;

// The paths under /dev/shm that process `pid` maps.
std::set<std::string> named_shared_memory_of(std::uint64_t pid) {
  std::set<std::string> out;
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const auto at = line.find("/dev/shm/");
    if (at == std::string::npos) continue;
    auto path = line.substr(at);
    if (const auto deleted = path.find(" (deleted)"); deleted != std::string::npos)
      path.resize(deleted);
    out.insert(path);
  }
  return out;
}

bool wait_for_file(const fs::path& file) {
  for (int i = 0; i < 20000 && !fs::exists(file); ++i) std::this_thread::sleep_for(1ms);
  return fs::exists(file);
}

std::string list(const std::set<std::string>& paths) {
  std::string out;
  for (const auto& p : paths) out += p + " ";
  return out;
}

enum class ending { kill_server_first, kill_client_first, server_closes_then_kill };

// Sets up a connection between two processes, ends it as `how` says, and
// returns what of it is still in /dev/shm once both are dead.
std::set<std::string> left_after(ending how) {
  const auto name = strait::test::unique_name("shm-kill");
  const auto url = "shm://" + name;
  const auto dir = fs::temp_directory_path();
  const auto server_ready = dir / (name + ".server");
  const auto client_ready = dir / (name + ".client");
  auto server = strait::test::start_beside(
      "strait_shm_kill_peer", how == ending::server_closes_then_kill ? "server-close" : "server",
      {url, server_ready.string()});
  REQUIRE(wait_for_file(server_ready.string() + ".listening"));
  auto client = strait::test::start_beside("strait_shm_kill_peer", "client",
                                           {url, client_ready.string()});
  REQUIRE(wait_for_file(server_ready));
  REQUIRE(wait_for_file(client_ready));

  auto held = named_shared_memory_of(server.pid());
  for (const auto& path : named_shared_memory_of(client.pid())) held.insert(path);
  // Nothing of an established connection has a name a crash could leak.
  std::set<std::string> named;
  for (const auto& path : held)
    if (fs::exists(path)) named.insert(path);
  INFO("named in /dev/shm while connected: " << list(named));
  CHECK(named.empty());

  auto& first = how == ending::kill_client_first ? client : server;
  auto& second = how == ending::kill_client_first ? server : client;
  first.kill();
  CHECK(strait::test::exit_code_within(first, exit_timeout) == strait::test::killed_exit_code);
  second.kill();
  CHECK(strait::test::exit_code_within(second, exit_timeout) == strait::test::killed_exit_code);
  fs::remove(server_ready);
  fs::remove(server_ready.string() + ".listening");
  fs::remove(client_ready);

  std::set<std::string> left;
  for (const auto& path : held)
    if (fs::exists(path)) left.insert(path);
  return left;
}

}  // namespace

TEST_CASE("shm_nothing_left_after_kill_9", "[S2]") {
  SECTION("server killed, then client") {
    const auto left = left_after(ending::kill_server_first);
    INFO("left in /dev/shm: " << list(left));
    CHECK(left.empty());
  }
  SECTION("client killed, then server") {
    const auto left = left_after(ending::kill_client_first);
    INFO("left in /dev/shm: " << list(left));
    CHECK(left.empty());
  }
  SECTION("server closed the connection, then both killed") {
    const auto left = left_after(ending::server_closes_then_kill);
    INFO("left in /dev/shm: " << list(left));
    CHECK(left.empty());
  }
}

// The client reads the hello and never answers: the server gives up and
// closes the pipe (the client sees broken_pipe), freeing the connection.
TEST_CASE("shm_unanswered_handshake_times_out", "[S6]") {
  asio::io_context io;
  auto listener = strait::listen(io, "shm://" + strait::test::unique_name("shm-silent"));
  auto peer =
      strait::test::start_beside("strait_shm_hostile_client", "silent", {listener.endpoint()});
  CHECK(strait::test::exit_code_within(peer, 90s) == 0);
}
