// C8: every blocking call has a timeout, and every async operation can be
// cancelled (operation_aborted) without losing or corrupting the channel's
// later messages.
#include <array>
#include <chrono>
#include <vector>

#include <asio/post.hpp>

#include "catch.hpp"
#include "harness.hpp"
#include "traffic.hpp"

namespace sc = strait::conformance;
using namespace std::chrono_literals;
using strait::errc;

namespace {

struct outcome {
  bool done = false;
  std::error_code ec;
  std::size_t n = 0;
};

// Starts an async receive of a whole message, cancels it, and returns how
// it completed.
outcome cancelled_receive(sc::peer_session& s) {
  outcome r;
  s.channel.async_receive([&r](std::error_code ec, std::vector<std::byte> m) {
    r = {true, ec, m.size()};
  });
  asio::post(s.io, [&] { s.channel.cancel(); });
  REQUIRE(sc::run_until(s.io, r.done));
  return r;
}

// The same with a fixed buffer.
outcome cancelled_receive(sc::peer_session& s, asio::mutable_buffer buffer) {
  outcome r;
  s.channel.async_receive(buffer, [&r](std::error_code ec, std::size_t n) {
    r = {true, ec, n};
  });
  asio::post(s.io, [&] { s.channel.cancel(); });
  REQUIRE(sc::run_until(s.io, r.done));
  return r;
}

}  // namespace

TEST_CASE("C8.receive_timeout_then_message_arrives_intact", "[C8]") {
  sc::peer_session s("echo");  // it sends nothing until it gets something
  std::error_code ec;
  s.channel.set_receive_timeout(50ms);
  CHECK(s.channel.receive(ec).empty());
  CHECK(ec == errc::timed_out);
  std::array<std::byte, 16> buffer{};
  CHECK(s.channel.receive(asio::buffer(buffer), ec) == 0);
  CHECK(ec == errc::timed_out);
  s.channel.set_receive_timeout(0ms);  // a poll
  s.channel.receive(ec);
  CHECK(ec == errc::timed_out);
  CHECK(sc::thrown_code([&] { s.channel.receive(); }) == errc::timed_out);

  s.channel.set_receive_timeout(sc::io_timeout);
  const auto message = sc::payload(sc::test_seed, 0, 100'000);
  s.channel.send(asio::buffer(message));
  const auto echoed = s.channel.receive(ec);
  REQUIRE_FALSE(ec);
  CHECK(sc::mismatch(message, echoed) == "");
  CHECK(s.close_and_wait() == 0);
}

TEST_CASE("C8.cancelled_async_receive_keeps_next_message", "[C8][async]") {
  sc::peer_session s("echo");
  std::array<std::byte, 64> buffer{};
  auto r = cancelled_receive(s, asio::buffer(buffer));
  CHECK(r.ec == errc::operation_aborted);
  CHECK(r.n == 0);
  r = cancelled_receive(s);
  CHECK(r.ec == errc::operation_aborted);

  // The channel is intact: the next messages arrive whole, sync and async.
  const auto first = sc::payload(sc::test_seed, 0, 5000);
  s.channel.send(asio::buffer(first));
  std::error_code ec;
  const auto echoed = s.channel.receive(ec);
  REQUIRE_FALSE(ec);
  CHECK(sc::mismatch(first, echoed) == "");

  const auto second = sc::payload(sc::test_seed, 1, 70'000);
  s.channel.send(asio::buffer(second));
  bool done = false;
  std::vector<std::byte> got;
  s.channel.async_receive([&](std::error_code e, std::vector<std::byte> m) {
    done = true;
    ec = e;
    got = std::move(m);
  });
  REQUIRE(sc::run_until(s.io, done));
  CHECK_FALSE(ec);
  CHECK(sc::mismatch(second, got) == "");
  CHECK(s.close_and_wait() == 0);
}

// The peer writes the first 400 bytes of a 1000-byte message and waits:
// every receive below stops in the middle of that message.
TEST_CASE("C8.receive_interrupted_mid_message_loses_nothing", "[C8][wire]") {
  sc::peer_session s("half-message");
  const auto message = sc::payload(sc::peer_seed, 0, 1000);
  std::error_code ec;

  // The first bytes are here (C3: the rest follows with later receives).
  std::array<std::byte, 10> head{};
  CHECK(s.channel.receive(asio::buffer(head), ec) == head.size());
  REQUIRE(ec == errc::more_data);
  CHECK(sc::mismatch(std::span(message).first(10), head) == "");

  s.channel.set_receive_timeout(100ms);
  CHECK(s.channel.receive(ec).empty());
  CHECK(ec == errc::timed_out);
  std::vector<std::byte> large(2000);
  CHECK(s.channel.receive(asio::buffer(large), ec) == 0);
  CHECK(ec == errc::timed_out);
  auto r = cancelled_receive(s);
  CHECK(r.ec == errc::operation_aborted);
  r = cancelled_receive(s, asio::buffer(large));
  CHECK(r.ec == errc::operation_aborted);
  CHECK(r.n == 0);

  s.channel.set_receive_timeout(sc::io_timeout);
  s.channel.send(strait::buffer("go"));
  const auto rest = s.channel.receive(ec);
  REQUIRE_FALSE(ec);
  CHECK(sc::mismatch(std::span(message).subspan(10), rest) == "");
  const auto next = s.channel.receive(ec);
  REQUIRE_FALSE(ec);
  CHECK(sc::mismatch(sc::payload(sc::peer_seed, 1, 50), next) == "");
  CHECK(s.close_and_wait() == 0);
}

TEST_CASE("C8.accept_timeout_and_cancel_keep_listener_usable", "[C8][no-spawn]") {
  asio::io_context io;
  auto l = strait::listen(io, sc::fresh_listen_url());
  std::error_code ec;
  l.set_accept_timeout(50ms);
  auto none = l.accept(ec);
  CHECK(ec == errc::timed_out);
  CHECK_FALSE(none.is_open());

  bool done = false;
  l.async_accept([&](std::error_code e, strait::channel) {
    done = true;
    ec = e;
  });
  asio::post(io, [&] { l.cancel(); });
  REQUIRE(sc::run_until(io, done));
  CHECK(ec == errc::operation_aborted);

  // Still serving, synchronously...
  auto first = sc::start_peer("echo", l.endpoint());
  auto ch = sc::accept_from(l, first);
  const auto message = sc::payload(sc::test_seed, 0, 200);
  ch.send(asio::buffer(message));
  CHECK(sc::mismatch(message, ch.receive()) == "");
  ch.close();
  CHECK(sc::exit_code(first) == 0);

  // ...and asynchronously.
  auto second = sc::start_peer("echo", l.endpoint());
  done = false;
  strait::channel accepted;
  l.async_accept([&](std::error_code e, strait::channel c) {
    done = true;
    ec = e;
    accepted = std::move(c);
  });
  REQUIRE(sc::run_until(io, done));
  REQUIRE_FALSE(ec);
  sc::bound_blocking_calls(accepted);
  accepted.send(asio::buffer(message));
  CHECK(sc::mismatch(message, accepted.receive()) == "");
  accepted.close();
  CHECK(sc::exit_code(second) == 0);
}

TEST_CASE("C8.send_timeout_when_peer_does_not_read", "[C8]") {
  sc::peer_session s("idle");
  s.channel.set_send_timeout(100ms);
  const auto chunk = sc::payload(sc::test_seed, 0, 64 * 1024);
  std::error_code ec;
  int sends = 0;
  // Bounded far above any transport's buffering: 256 MiB.
  while (!ec && sends < 4096) {
    s.channel.send(asio::buffer(chunk), ec);
    ++sends;
  }
  INFO("after " << sends << " sends of " << chunk.size() << " bytes");
  CHECK(ec == errc::timed_out);
  s.peer.kill();
  CHECK(sc::exit_code(s.peer) == s.peer.killed_exit_code());
}
