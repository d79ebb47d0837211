// Issue 12, item 2: `strait listen` and the echo example, run out of
// descriptors by idle clients, log it, back off and serve again once some
// clients leave, instead of exiting. The server runs in its own process with
// a lowered RLIMIT_NOFILE; the clients are this process.
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"
#include "connect_when_served.hpp"
#include "descriptors.hpp"

using namespace std::chrono_literals;

namespace {

std::string text(const std::vector<std::byte>& m) {
  return {reinterpret_cast<const char*>(m.data()), m.size()};
}

// `program URL...` serves `url` with its descriptors limited; clients from
// this process exhaust them. Once some leave, it must serve a new client.
void server_program_keeps_serving(const std::filesystem::path& program,
                                  std::vector<std::string> args, const std::string& url) {
  constexpr rlim_t limit = 64;
  constexpr std::size_t clients = 80;    // more than the server can hold
  constexpr std::size_t leaving = 48;    // more than were left waiting
  std::optional<strait::test::child_process> server;
  {
    strait::test::descriptor_limit lowered(limit);
    server.emplace(program, args);
  }
  asio::io_context io;
  std::vector<strait::channel> idle;
  idle.push_back(strait::test::connect_when_served(io, url));
  while (idle.size() < clients) idle.push_back(strait::connect(io, url, {.timeout = 20s}));
  const std::string pid = std::to_string(server->pid());
  // The server has run out once it holds `limit` descriptors (or has exited).
  const auto until = std::chrono::steady_clock::now() + 60s;
  for (;;) {
    const auto open = strait::test::open_descriptors(pid);
    if (!open || *open >= limit || server->wait(0ms)) break;
    REQUIRE(std::chrono::steady_clock::now() < until);
    std::this_thread::sleep_for(10ms);
  }
  idle.erase(idle.begin(), idle.begin() + leaving);

  std::error_code ec;
  strait::channel client = strait::connect(io, url, {.timeout = 20s}, ec);
  INFO("connecting after the server ran out of descriptors: " << ec.message());
  REQUIRE_FALSE(ec);
  client.set_receive_timeout(60s);
  client.send(strait::buffer("still there?"));
  CHECK(text(client.receive()) == "still there?");
  CHECK_FALSE(server->wait(0ms));  // still serving
}

}  // namespace

TEST_CASE("tool_listen_survives_emfile", "[security][emfile]") {
  const std::string url = "pipe://" + strait::test::unique_name("security-tool");
  server_program_keeps_serving(STRAIT_TOOL_PATH, {"listen", url, "--echo"}, url);
}

TEST_CASE("echo_server_survives_emfile", "[security][emfile]") {
  const std::string url = "unix://" + strait::test::unique_name("security-echo");
  server_program_keeps_serving(STRAIT_ECHO_SERVER_PATH, {url}, url);
}
