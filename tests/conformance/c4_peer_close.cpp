// C4: after the peer closes, queued messages are still delivered, then
// receive fails with broken_pipe; send to a closed peer fails with
// broken_pipe; a killed peer is noticed the same way, within a bounded time.
#include <array>
#include <chrono>
#include <vector>

#include "catch.hpp"
#include "harness.hpp"
#include "traffic.hpp"

namespace sc = strait::conformance;
using strait::errc;

TEST_CASE("C4.queued_messages_delivered_after_peer_closes", "[C4]") {
  constexpr std::size_t count = 50;
  sc::peer_session s("send-then-close", {std::to_string(count)});
  // The peer has sent, closed and exited before anything is read here.
  REQUIRE(sc::exit_code(s.peer) == 0);

  std::error_code ec;
  for (std::size_t k = 0; k < count; ++k) {
    INFO("message " << k);
    const auto got = s.channel.receive(ec);
    REQUIRE_FALSE(ec);
    CHECK(sc::mismatch(sc::payload(sc::peer_seed, k, sc::small_size(k)), got) == "");
  }
  s.channel.receive(ec);
  CHECK(ec == errc::broken_pipe);
  // And it stays so, for every form of receive.
  s.channel.receive(ec);
  CHECK(ec == errc::broken_pipe);
  std::array<std::byte, 16> buffer{};
  CHECK(s.channel.receive(asio::buffer(buffer), ec) == 0);
  CHECK(ec == errc::broken_pipe);
  CHECK(sc::thrown_code([&] { s.channel.receive(); }) == errc::broken_pipe);
}

TEST_CASE("C4.send_to_closed_peer_fails_broken_pipe", "[C4]") {
  sc::peer_session s("send-then-close", {"0"});
  REQUIRE(sc::exit_code(s.peer) == 0);

  // A socket may take a send or two before it learns that the peer is gone:
  // send until one fails (bounded), and that failure must be broken_pipe.
  const auto message = sc::payload(sc::test_seed, 0, 100);
  const auto give_up = std::chrono::steady_clock::now() + sc::io_timeout;
  std::error_code ec;
  int sends = 0;
  do {
    s.channel.send(asio::buffer(message), ec);
    ++sends;
  } while (!ec && std::chrono::steady_clock::now() < give_up);
  INFO("after " << sends << " sends");
  CHECK(ec == errc::broken_pipe);

  s.channel.send(asio::buffer(message), ec);
  CHECK(ec == errc::broken_pipe);
  bool done = false;
  s.channel.async_send(asio::buffer(message), [&](std::error_code e, std::size_t) {
    done = true;
    ec = e;
  });
  REQUIRE(sc::run_until(s.io, done));
  CHECK(ec == errc::broken_pipe);
}

TEST_CASE("C4.peer_killed_mid_message_is_broken_pipe", "[C4][kill]") {
  sc::peer_session s("hang-mid-message");
  std::error_code ec;
  const auto ready = s.channel.receive(ec);
  REQUIRE_FALSE(ec);
  CHECK(ready.size() == 1);

  // The start of the huge message: the peer is inside its send now.
  std::array<std::byte, 100> head{};
  std::size_t n = s.channel.receive(asio::buffer(head), ec);
  REQUIRE(ec == errc::more_data);
  CHECK(sc::mismatch(sc::payload(sc::peer_seed, 1, head.size()), head) == "");

  s.peer.kill();
  CHECK(sc::exit_code(s.peer) == s.peer.killed_exit_code());

  // What the peer wrote before it died may still be read; then the cut
  // message fails with broken_pipe (the receive timeout only guards
  // against a hang: timed_out is a failure).
  std::vector<std::byte> rest(1u << 20);
  std::size_t total = head.size();
  for (int i = 0; i < 64; ++i) {
    n = s.channel.receive(asio::buffer(rest), ec);
    total += n;
    if (ec != errc::more_data) break;
  }
  INFO(total << " bytes of the " << sc::huge_message_size << "-byte message arrived");
  CHECK(ec == errc::broken_pipe);
  CHECK(total < sc::huge_message_size);
}

TEST_CASE("C4.peer_killed_during_pending_receive_is_broken_pipe", "[C4][async][kill]") {
  sc::peer_session s("idle");
  bool done = false;
  std::error_code ec;
  s.channel.async_receive([&](std::error_code e, std::vector<std::byte>) {
    done = true;
    ec = e;
  });
  s.peer.kill();
  CHECK(sc::exit_code(s.peer) == s.peer.killed_exit_code());
  REQUIRE(sc::run_until(s.io, done));
  CHECK(ec == errc::broken_pipe);

  // The synchronous forms see it too, and do not wait for their timeout.
  s.channel.receive(ec);
  CHECK(ec == errc::broken_pipe);
}
