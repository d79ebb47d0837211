// C1: message boundaries are kept; n sends give n receives of the same
// sizes, zero-length included.
#include <future>
#include <vector>

#include <asio/use_future.hpp>

#include "catch.hpp"
#include "harness.hpp"
#include "traffic.hpp"

namespace sc = strait::conformance;

namespace {

// Each its own message: empty ones among them, and sizes around and above
// the transports' buffer sizes.
const std::vector<std::size_t> sizes{0, 1, 100, 4096, 65536, 1u << 20, 0, 7};

}  // namespace

TEST_CASE("C1.boundaries_kept_peer_to_test", "[C1]") {
  // The peer sends the sizes twice: received whole, then into a large buffer.
  std::vector<std::size_t> twice = sizes;
  twice.insert(twice.end(), sizes.begin(), sizes.end());
  sc::peer_session s("send-sizes", sc::to_args(twice));

  for (std::size_t i = 0; i < sizes.size(); ++i) {
    INFO("message " << i << ", " << sizes[i] << " bytes, received whole");
    std::error_code ec;
    const auto got = s.channel.receive(ec);
    REQUIRE_FALSE(ec);
    CHECK(sc::mismatch(sc::payload(sc::peer_seed, i, sizes[i]), got) == "");
  }
  std::vector<std::byte> buffer((2u << 20) + 1);
  for (std::size_t i = sizes.size(); i < twice.size(); ++i) {
    INFO("message " << i << ", " << twice[i] << " bytes, into a buffer of " << buffer.size());
    std::error_code ec;
    const std::size_t n = s.channel.receive(asio::buffer(buffer), ec);
    REQUIRE_FALSE(ec);
    CHECK(sc::mismatch(sc::payload(sc::peer_seed, i, twice[i]),
                       std::span(buffer).first(n)) == "");
  }
  CHECK(s.close_and_wait() == 0);
}

TEST_CASE("C1.boundaries_kept_test_to_peer", "[C1]") {
  sc::peer_session s("receive-sizes", sc::to_args(sizes));
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    INFO("message " << i << ", " << sizes[i] << " bytes");
    std::error_code ec;
    s.channel.send(asio::buffer(sc::payload(sc::test_seed, i, sizes[i])), ec);
    REQUIRE_FALSE(ec);
  }
  CHECK(s.close_and_wait() == 0);  // the peer checked each message, and that no more came
}

TEST_CASE("C1.async_use_future_keeps_boundaries", "[C1][async]") {
  sc::peer_session s("echo");
  sc::io_thread runner(s.io);
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    INFO("message " << i << ", " << sizes[i] << " bytes");
    const auto message = sc::payload(sc::test_seed, i, sizes[i]);
    auto sent = s.channel.async_send(asio::buffer(message), asio::use_future);
    REQUIRE(sent.wait_for(sc::io_timeout) == std::future_status::ready);
    CHECK(sent.get() == message.size());

    if (i % 2 == 0) {
      auto echoed = s.channel.async_receive(asio::use_future);
      REQUIRE(echoed.wait_for(sc::io_timeout) == std::future_status::ready);
      CHECK(sc::mismatch(message, echoed.get()) == "");
    } else {
      std::vector<std::byte> buffer(message.size() + 10);
      auto echoed = s.channel.async_receive(asio::buffer(buffer), asio::use_future);
      REQUIRE(echoed.wait_for(sc::io_timeout) == std::future_status::ready);
      const std::size_t n = echoed.get();
      CHECK(sc::mismatch(message, std::span(buffer).first(n)) == "");
    }
  }
  CHECK(s.close_and_wait() == 0);
}
