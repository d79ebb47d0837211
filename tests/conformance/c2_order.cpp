// C2: order is kept per channel; nothing is lost, duplicated or altered.
#include <exception>
#include <span>
#include <string>

#include <asio/co_spawn.hpp>
#include <asio/use_awaitable.hpp>

#include "catch.hpp"
#include "harness.hpp"
#include "traffic.hpp"

namespace sc = strait::conformance;

TEST_CASE("C2.ten_thousand_messages_both_directions_in_order", "[C2]") {
  constexpr std::size_t count = 10'000;
  constexpr std::uint64_t seed = 4242;
  sc::peer_session s("stream", {std::to_string(count), std::to_string(seed)});

  const auto caps = s.channel.capabilities();
  CHECK(caps.reliable);
  CHECK(caps.ordered);
  CHECK(caps.duplex());

  std::uint64_t announced = 0;
  CHECK(sc::exchange_stream(s.channel, count, announced) == "");
  CHECK(announced == seed);
  CHECK(s.close_and_wait() == 0);  // the peer checked the reply stream
}

TEST_CASE("C2.coroutines_with_send_and_receive_in_flight_keep_order", "[C2][async]") {
  constexpr std::size_t count = 2'000;
  constexpr std::uint64_t seed = 77;
  sc::peer_session s("echo");

  // One coroutine sends the stream while another receives the echoes, so a
  // send and a receive are pending on the channel at the same time.
  std::string writer = "did not finish", reader = "did not finish";
  auto report = [](std::string& outcome) {
    return [&outcome](std::exception_ptr e) {
      try {
        if (e) std::rethrow_exception(e);
      } catch (const std::exception& x) {
        outcome = x.what();
      }
    };
  };
  asio::co_spawn(
      s.io,
      [&]() -> asio::awaitable<void> {
        for (std::size_t k = 0; k < count; ++k) {
          const auto message = sc::stream_message(seed, k);
          const std::size_t n =
              co_await s.channel.async_send(asio::buffer(message), asio::use_awaitable);
          if (n != message.size()) {
            writer = "send " + std::to_string(k) + " reported " + std::to_string(n) + " bytes";
            co_return;
          }
        }
        writer.clear();
      },
      report(writer));
  asio::co_spawn(
      s.io,
      [&]() -> asio::awaitable<void> {
        for (std::size_t k = 0; k < count; ++k) {
          const auto got = co_await s.channel.async_receive(asio::use_awaitable);
          if (auto problem = sc::mismatch(sc::stream_message(seed, k), got); !problem.empty()) {
            reader = "echo " + std::to_string(k) + ": " + problem;
            co_return;
          }
        }
        reader.clear();
      },
      report(reader));

  // Until both coroutines end, or io_timeout passes with nothing happening.
  while (s.io.run_one_for(sc::io_timeout) > 0) {
  }
  CHECK(writer == "");
  CHECK(reader == "");
  CHECK(s.close_and_wait() == 0);
}

TEST_CASE("C2.a_second_async_send_in_flight_is_refused_and_the_first_arrives", "[C2][async]") {
  sc::peer_session s("echo");
  const std::string first = "first", second = "second", third = "third";
  std::error_code first_ec, second_ec;
  std::size_t first_sent = 0;
  bool first_done = false, second_done = false;
  s.channel.async_send(asio::buffer(first), [&](std::error_code e, std::size_t n) {
    first_ec = e;
    first_sent = n;
    first_done = true;
  });
  // One send at a time, however fast the first completes.
  s.channel.async_send(asio::buffer(second), [&](std::error_code e, std::size_t) {
    second_ec = e;
    second_done = true;
  });
  REQUIRE(sc::run_until(s.io, first_done));
  REQUIRE(sc::run_until(s.io, second_done));
  CHECK_FALSE(first_ec);
  CHECK(first_sent == first.size());
  CHECK(second_ec == strait::errc::invalid_argument);
  // The refused message was not sent as well: the echo after the first is the third.
  s.channel.send(asio::buffer(third));
  auto bytes = [](const std::string& text) { return std::as_bytes(std::span(text)); };
  CHECK(sc::mismatch(bytes(first), s.channel.receive()) == "");
  CHECK(sc::mismatch(bytes(third), s.channel.receive()) == "");
  CHECK(s.close_and_wait() == 0);
}
