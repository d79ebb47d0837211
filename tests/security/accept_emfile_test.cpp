// Issue 12, item 2: a listener whose process runs out of descriptors. accept
// fails with resource_exhausted and the listener keeps serving once
// descriptors come free. The clients run in their own process
// (strait_stream_attacker).
#include <optional>
#include <string>
#include <vector>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"
#include "descriptors.hpp"

using namespace std::chrono_literals;

namespace {

std::string listen_url(const std::string& scheme) {
  if (scheme == "tcp") return "tcp://127.0.0.1:0";
  return scheme + "://" + strait::test::unique_name("security-emfile");
}

std::string text(const std::vector<std::byte>& m) {
  return {reinterpret_cast<const char*>(m.data()), m.size()};
}

// Takes a client's "hello" and answers: the listener is serving.
void serve_one(strait::channel& ch) {
  ch.set_receive_timeout(60s);
  REQUIRE(text(ch.receive()) == "hello");
  ch.send(strait::buffer("served"));
}

void accept_reports_emfile_and_recovers(const std::string& scheme) {
  constexpr std::size_t clients = 40;
  constexpr std::size_t spare = 12;  // descriptors left to the listener
  asio::io_context io;
  strait::listener server = strait::listen(io, listen_url(scheme));
  server.set_accept_timeout(60s);
  strait::listener control_listener =
      strait::listen(io, "pipe://" + strait::test::unique_name("security-control"));
  control_listener.set_accept_timeout(60s);
  auto attacker = strait::test::start_beside(
      "strait_stream_attacker", "hold",
      {server.endpoint(), control_listener.endpoint(), std::to_string(clients)});
  strait::channel control = control_listener.accept();
  control.set_receive_timeout(60s);
  REQUIRE(text(control.receive()) == "held");  // every client waits in the backlog

  std::vector<strait::channel> accepted;
  std::error_code ec;
  {
    const auto open = strait::test::open_descriptors("self");
    REQUIRE(open);
    strait::test::descriptor_limit limit(*open + spare);
    while (accepted.size() < clients) {
      auto ch = server.accept(ec);
      if (ec) break;
      accepted.push_back(std::move(ch));
    }
    INFO("accepted " << accepted.size() << " of " << clients << " with " << spare
                     << " descriptors to spare: " << ec.message());
    REQUIRE(ec == strait::errc::resource_exhausted);
    REQUIRE(accepted.size() >= 4);  // some to close below
    CHECK(server.is_open());

    std::optional<std::error_code> async_result;
    server.async_accept([&](std::error_code e, strait::channel) { async_result = e; });
    io.run_for(60s);  // returns once the accept completed
    io.restart();
    REQUIRE(async_result);
    CHECK(*async_result == strait::errc::resource_exhausted);

    accepted.resize(accepted.size() - 4);  // descriptors come free
    auto again = server.accept(ec);
    REQUIRE_FALSE(ec);
    serve_one(again);

    std::optional<strait::channel> async_again;
    server.async_accept([&](std::error_code e, strait::channel ch) {
      REQUIRE_FALSE(e);
      async_again = std::move(ch);
    });
    io.run_for(60s);
    io.restart();
    REQUIRE(async_again);
    serve_one(*async_again);
  }
  control.close();
  CHECK(strait::test::exit_code_within(attacker, 60s) == 0);
}

}  // namespace

TEST_CASE("accept_emfile_keeps_listener.tcp", "[security][emfile]") {
  accept_reports_emfile_and_recovers("tcp");
}
TEST_CASE("accept_emfile_keeps_listener.unix", "[security][emfile]") {
  accept_reports_emfile_and_recovers("unix");
}
TEST_CASE("accept_emfile_keeps_listener.pipe", "[security][emfile]") {
  accept_reports_emfile_and_recovers("pipe");
}
