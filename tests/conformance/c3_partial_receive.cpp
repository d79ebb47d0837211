// C3: a receive buffer smaller than the message fails with more_data, fills
// the buffer, and the rest comes with the next receive; receiving into a
// growable message never truncates.
#include <array>
#include <span>
#include <vector>

#include "catch.hpp"
#include "harness.hpp"
#include "traffic.hpp"

namespace sc = strait::conformance;
using strait::errc;

TEST_CASE("C3.short_receive_gets_more_data", "[C3]") {
  const std::vector<std::size_t> sizes{100, 1000, 64, 5};
  sc::peer_session s("send-sizes", sc::to_args(sizes));
  std::error_code ec;

  {
    // 100 bytes into 10, then the remaining 90.
    const auto first = sc::payload(sc::peer_seed, 0, 100);
    std::array<std::byte, 10> head{};
    std::size_t n = s.channel.receive(asio::buffer(head), ec);
    CHECK(ec == errc::more_data);
    CHECK(n == head.size());
    CHECK(sc::mismatch(std::span(first).first(10), head) == "");
    std::array<std::byte, 200> tail{};
    n = s.channel.receive(asio::buffer(tail), ec);
    REQUIRE_FALSE(ec);
    CHECK(n == 90);
    CHECK(sc::mismatch(std::span(first).subspan(10), std::span(tail).first(n)) == "");
  }
  {
    // 1000 bytes, 300 at a time: more_data three times, then the last 100.
    const auto second = sc::payload(sc::peer_seed, 1, 1000);
    std::vector<std::byte> joined;
    std::array<std::byte, 300> piece{};
    for (int i = 0; i < 3; ++i) {
      const std::size_t n = s.channel.receive(asio::buffer(piece), ec);
      CHECK(ec == errc::more_data);
      CHECK(n == piece.size());
      joined.insert(joined.end(), piece.begin(), piece.begin() + n);
    }
    const std::size_t n = s.channel.receive(asio::buffer(piece), ec);
    REQUIRE_FALSE(ec);
    CHECK(n == 100);
    joined.insert(joined.end(), piece.begin(), piece.begin() + n);
    CHECK(sc::mismatch(second, joined) == "");
  }
  {
    // A buffer of exactly the message's size is not short.
    std::array<std::byte, 64> exact{};
    const std::size_t n = s.channel.receive(asio::buffer(exact), ec);
    REQUIRE_FALSE(ec);
    CHECK(n == exact.size());
    CHECK(sc::mismatch(sc::payload(sc::peer_seed, 2, 64), exact) == "");
  }
  // The next message starts at its own boundary.
  const auto last = s.channel.receive(ec);
  REQUIRE_FALSE(ec);
  CHECK(sc::mismatch(sc::payload(sc::peer_seed, 3, 5), last) == "");
  CHECK(s.close_and_wait() == 0);
}

TEST_CASE("C3.growable_receive_returns_whole_messages", "[C3]") {
  const std::vector<std::size_t> sizes{1u << 20, 100, (1u << 20) + 3, 0};
  sc::peer_session s("send-sizes", sc::to_args(sizes));
  std::error_code ec;

  auto got = s.channel.receive(ec);
  REQUIRE_FALSE(ec);
  CHECK(sc::mismatch(sc::payload(sc::peer_seed, 0, sizes[0]), got) == "");

  // After a short receive, a growable one returns the rest of that message.
  const auto second = sc::payload(sc::peer_seed, 1, sizes[1]);
  std::array<std::byte, 10> head{};
  CHECK(s.channel.receive(asio::buffer(head), ec) == head.size());
  CHECK(ec == errc::more_data);
  got = s.channel.receive(ec);
  REQUIRE_FALSE(ec);
  CHECK(sc::mismatch(std::span(second).subspan(10), got) == "");

  got = s.channel.receive(ec);
  REQUIRE_FALSE(ec);
  CHECK(sc::mismatch(sc::payload(sc::peer_seed, 2, sizes[2]), got) == "");
  got = s.channel.receive(ec);
  REQUIRE_FALSE(ec);
  CHECK(got.empty());
  CHECK(s.close_and_wait() == 0);
}

TEST_CASE("C3.async_short_receive_gets_more_data", "[C3][async]") {
  const std::vector<std::size_t> sizes{100, 70000};
  sc::peer_session s("send-sizes", sc::to_args(sizes));

  struct outcome {
    bool done = false;
    std::error_code ec;
    std::size_t n = 0;
  };
  auto receive_into = [&](asio::mutable_buffer buffer) {
    outcome r;
    s.channel.async_receive(buffer, [&r](std::error_code ec, std::size_t n) {
      r = {true, ec, n};
    });
    REQUIRE(sc::run_until(s.io, r.done));
    return r;
  };

  const auto first = sc::payload(sc::peer_seed, 0, sizes[0]);
  std::array<std::byte, 10> head{};
  auto r = receive_into(asio::buffer(head));
  CHECK(r.ec == errc::more_data);
  CHECK(r.n == head.size());
  CHECK(sc::mismatch(std::span(first).first(10), head) == "");
  std::array<std::byte, 200> tail{};
  r = receive_into(asio::buffer(tail));
  CHECK_FALSE(r.ec);
  CHECK(r.n == 90);
  CHECK(sc::mismatch(std::span(first).subspan(10), std::span(tail).first(r.n)) == "");

  // A growable async receive takes a message larger than any first guess.
  bool done = false;
  std::error_code ec;
  std::vector<std::byte> whole;
  s.channel.async_receive([&](std::error_code e, std::vector<std::byte> m) {
    done = true;
    ec = e;
    whole = std::move(m);
  });
  REQUIRE(sc::run_until(s.io, done));
  CHECK_FALSE(ec);
  CHECK(sc::mismatch(sc::payload(sc::peer_seed, 1, sizes[1]), whole) == "");
  CHECK(s.close_and_wait() == 0);
}
