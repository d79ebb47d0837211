// C7: a second listener on a served name fails with already_exists; a name
// left behind by a crashed process is reclaimed, not reported as taken.
#include <string>

#include "catch.hpp"
#include "harness.hpp"
#include "traffic.hpp"

namespace sc = strait::conformance;
using strait::errc;

namespace {

// One message through `l`, from an echo peer: the listener really serves.
void check_serves(strait::listener& l) {
  auto peer = sc::start_peer("echo", l.endpoint());
  auto ch = sc::accept_from(l, peer);
  const auto message = sc::payload(sc::test_seed, 0, 300);
  ch.send(asio::buffer(message));
  CHECK(sc::mismatch(message, ch.receive()) == "");
  ch.close();
  CHECK(sc::exit_code(peer) == 0);
}

}  // namespace

TEST_CASE("C7.second_listener_fails_already_exists", "[C7][no-spawn]") {
  asio::io_context io;
  auto first = strait::listen(io, sc::fresh_listen_url());
  const auto url = first.endpoint();
  INFO(url);

  std::error_code ec;
  auto second = strait::listen(io, url, ec);
  CHECK(ec == errc::already_exists);
  CHECK_FALSE(second.is_open());

  auto other_process = sc::start_peer("try-listen", url);
  CHECK(sc::exit_code(other_process) == static_cast<int>(errc::already_exists));

  // The failed attempts took nothing from the first listener.
  check_serves(first);
}

TEST_CASE("C7.name_left_by_killed_server_is_reclaimed", "[C7][C5][no-spawn]") {
  asio::io_context io;
  auto reports = strait::listen(io, sc::fresh_listen_url());
  auto server = sc::start_peer("serve", sc::fresh_listen_url(), {reports.endpoint()});
  auto report = sc::accept_from(reports, server);
  const auto said = report.receive();
  const std::string url(reinterpret_cast<const char*>(said.data()), said.size());
  INFO("the killed server served " << url);

  server.kill();
  CHECK(sc::exit_code(server) == strait::test::killed_exit_code);

  // Nobody serves it now (C5)...
  std::error_code ec;
  strait::connect(io, url, ec);
  CHECK(ec == errc::not_found);
  // ...and a new listener gets it, rather than already_exists.
  auto reclaimed = strait::listen(io, url, ec);
  REQUIRE_FALSE(ec);
  CHECK(reclaimed.endpoint() == url);
  check_serves(reclaimed);
}

// NAME.lock, NAME.max, NAME.slots, NAME.slot.N are names too: serving one
// must leave NAME's own files alone, so NAME stays taken and served (issue 12.7).
TEST_CASE("C7.helper_file_suffixes_are_other_names", "[C7][no-tcp][no-spawn]") {
  for (const std::string suffix : {".lock", ".max", ".slots", ".slot.0", ".slots.tmp"}) {
    INFO(suffix);
    asio::io_context io;
    strait::listen_options options;
    if (sc::transport() == "pipe") options.max_instances = 2;  // publishes the slot files
    auto first = strait::listen(io, sc::fresh_listen_url(), options);
    const auto url = first.endpoint();
    INFO(url);

    std::error_code ec;
    auto beside = strait::listen(io, url + suffix, ec);
    CHECK_FALSE(ec);
    auto second = strait::listen(io, url, ec);
    CHECK(ec == errc::already_exists);
    check_serves(first);
  }
}
