// C5: connecting to a name nobody serves fails with not_found at once.
#include <string>

#include "catch.hpp"
#include "harness.hpp"

namespace sc = strait::conformance;
using strait::errc;

TEST_CASE("C5.connect_to_unserved_name_fails_not_found", "[C5][no-spawn]") {
  asio::io_context io;
  const auto url = sc::unserved_url();
  INFO(url);
  std::error_code ec;
  auto ch = strait::connect(io, url, ec);
  CHECK(ec == errc::not_found);
  CHECK_FALSE(ch.is_open());

  // With a timeout too: nobody serves the name, so there is nothing to wait
  // for (the timeout only bounds the test; timed_out is a failure).
  strait::connect_options options;
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(sc::io_timeout);
  strait::connect(io, url, options, ec);
  CHECK(ec == errc::not_found);

  // The throwing form says which URL it could not reach.
  try {
    strait::connect(io, url);
    FAIL("connect to " << url << " did not throw");
  } catch (const std::system_error& e) {
    CHECK(e.code() == errc::not_found);
    CHECK_THAT(e.what(), strait::test::contains(url));
  }
}

TEST_CASE("C5.connect_after_listener_closed_fails_not_found", "[C5][C7][no-spawn]") {
  asio::io_context io;
  auto l = strait::listen(io, sc::fresh_listen_url());
  const auto url = l.endpoint();
  INFO(url);
  l.close();
  CHECK_FALSE(l.is_open());

  std::error_code ec;
  strait::connect(io, url, ec);
  CHECK(ec == errc::not_found);
  // C7: closing the listener freed the name.
  auto again = strait::listen(io, url, ec);
  CHECK_FALSE(ec);
  CHECK(again.is_open());
}

TEST_CASE("C5.closed_listener_stays_closed_while_a_child_process_runs", "[C5][C7][no-spawn]") {
  asio::io_context io;
  auto l = strait::listen(io, sc::fresh_listen_url());
  const auto url = l.endpoint();
  INFO(url);
  // A process started while the listener is open must not inherit it: a
  // copy there would keep a TCP port listening after close, and connects
  // would be taken into its backlog and never answered.
  auto other = strait::listen(io, sc::fresh_listen_url());
  auto bystander = sc::start_peer("idle", other.endpoint());
  auto bystander_channel = sc::accept_from(other, bystander);
  l.close();

  std::error_code ec;
  strait::connect(io, url, ec);
  CHECK(ec == errc::not_found);
  bystander.kill();
}
