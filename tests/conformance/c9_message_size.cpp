// C9: a message over the maximum fails with message_too_large before
// anything is sent; the channel stays usable.
#include <vector>

#include "catch.hpp"
#include "harness.hpp"
#include "traffic.hpp"

namespace sc = strait::conformance;
using strait::errc;

TEST_CASE("C9.oversized_send_fails_and_channel_stays_usable", "[C9]") {
  constexpr std::size_t max = 1024;
  strait::listen_options options;
  options.max_message_size = max;
  sc::peer_session s("echo", {}, options);
  CHECK(s.channel.capabilities().max_message_size == max);

  const auto too_large = sc::payload(sc::test_seed, 0, max + 1);
  std::error_code ec;
  s.channel.send(asio::buffer(too_large), ec);
  CHECK(ec == errc::message_too_large);
  CHECK(sc::thrown_code([&] { s.channel.send(asio::buffer(too_large)); }) ==
        errc::message_too_large);
  bool done = false;
  s.channel.async_send(asio::buffer(too_large), [&](std::error_code e, std::size_t) {
    done = true;
    ec = e;
  });
  REQUIRE(sc::run_until(s.io, done));
  CHECK(ec == errc::message_too_large);

  // Nothing of them was sent: the next echo is of the next message.
  const auto fits = sc::payload(sc::test_seed, 1, max);
  s.channel.send(asio::buffer(fits), ec);
  REQUIRE_FALSE(ec);
  const auto echoed = s.channel.receive(ec);
  REQUIRE_FALSE(ec);
  CHECK(sc::mismatch(fits, echoed) == "");
  CHECK(s.close_and_wait() == 0);
}

TEST_CASE("C9.connect_options_limit_the_client", "[C9][no-spawn]") {
  constexpr std::size_t max = 1024;
  // The peer connects with a maximum of 1024, checks that 1025 bytes fail
  // (sync and async), then sends 1024.
  sc::peer_session s("oversize", {std::to_string(max)});
  std::error_code ec;
  const auto got = s.channel.receive(ec);
  REQUIRE_FALSE(ec);
  CHECK(sc::mismatch(sc::payload(sc::peer_seed, 0, max), got) == "");
  CHECK(s.close_and_wait() == 0);
}
