// The shm:// channel against a peer that writes the ring by hand
// (strait_shm_hostile_client): S6 (what the peer writes into shared memory
// can break that channel, never the reader) and C8 inside a message made of
// pieces. The rest of C1-C9 is the conformance suite's (conformance.shm.*).
#include <chrono>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"
#include "pattern.hpp"

namespace {

using namespace std::chrono_literals;
using strait::errc;

constexpr auto exit_timeout = 20s;
constexpr auto io_bound = 20s;  // only means "did not hang"
constexpr std::uint64_t seed = 7;

struct hostile_session {
  asio::io_context io;
  strait::listener listener;
  strait::test::child_process peer;
  strait::channel channel;

  hostile_session(const std::string& role, const strait::listen_options& options = {})
      : listener(strait::listen(io, "shm://" + strait::test::unique_name("shm-hostile"), options)),
        peer(start(role, listener.endpoint())) {
    listener.set_accept_timeout(io_bound);
    channel = listener.accept();
    channel.set_receive_timeout(io_bound);
  }

  static strait::test::child_process start(const std::string& role, const std::string& url) {
    return strait::test::start_beside("strait_shm_hostile_client", role, {url});
  }

  // Closes our end; the peer exits when it sees that.
  int close_and_wait() {
    channel.close();
    if (const auto code = peer.wait(exit_timeout)) return *code;
    peer.kill();
    return -1;
  }
};

std::error_code receive_error(hostile_session& s) {
  std::error_code ec;
  std::vector<std::byte> buffer(4096);
  s.channel.receive(asio::buffer(buffer), ec);
  return ec;
}

bool is_pattern(const std::vector<std::byte>& v, std::size_t n) {
  return v.size() == n && !strait::test::check_pattern(v.data(), n, seed);
}

}  // namespace

TEST_CASE("S6.channel.a_tail_past_the_ring_is_protocol_error", "[S6][channel]") {
  hostile_session s("bad-tail");
  CHECK(receive_error(s) == errc::protocol_error);
  CHECK(receive_error(s) == errc::protocol_error);  // sticky: the ring cannot be trusted again
  CHECK(s.close_and_wait() == 0);
}

TEST_CASE("S6.channel.a_record_longer_than_a_piece_is_protocol_error", "[S6][channel]") {
  hostile_session s("bad-length");
  CHECK(receive_error(s) == errc::protocol_error);
  CHECK(s.close_and_wait() == 0);
}

TEST_CASE("S6.channel.unknown_record_flags_are_protocol_error", "[S6][channel]") {
  hostile_session s("bad-flags");
  CHECK(receive_error(s) == errc::protocol_error);
  CHECK(s.close_and_wait() == 0);
}

TEST_CASE("S6.channel.a_message_over_the_maximum_is_protocol_error", "[S6][C9][channel]") {
  strait::listen_options options;
  options.max_message_size = 1000;  // the peer sends 1600 bytes in two pieces
  hostile_session s("too-long", options);
  CHECK(receive_error(s) == errc::protocol_error);
  CHECK(s.close_and_wait() == 0);
}

TEST_CASE("S6.channel.a_broken_channel_leaves_the_listener_serving", "[S6][channel]") {
  hostile_session s("bad-tail");
  CHECK(receive_error(s) == errc::protocol_error);
  auto good = hostile_session::start("good", s.listener.endpoint());
  auto next = s.listener.accept();
  next.set_receive_timeout(io_bound);
  const auto message = next.receive();
  CHECK(std::string(reinterpret_cast<const char*>(message.data()), message.size()) == "hello");
  next.close();
  CHECK(good.wait(exit_timeout) == 0);
  CHECK(s.close_and_wait() == 0);
}

// The peer puts 400 bytes of a 1000-byte message in the ring and stops:
// every receive below ends inside that message.
TEST_CASE("C8.channel.receive_interrupted_between_pieces_loses_nothing", "[C8][channel]") {
  hostile_session s("half-message");
  std::vector<std::byte> message(1000);
  strait::test::fill_pattern(message.data(), message.size(), seed);
  std::error_code ec;

  std::array<std::byte, 10> head{};
  CHECK(s.channel.receive(asio::buffer(head), ec) == head.size());
  REQUIRE(ec == errc::more_data);  // C3
  CHECK(std::equal(head.begin(), head.end(), message.begin()));

  s.channel.set_receive_timeout(100ms);
  CHECK(s.channel.receive(ec).empty());
  CHECK(ec == errc::timed_out);
  std::vector<std::byte> large(2000);
  CHECK(s.channel.receive(asio::buffer(large), ec) == 0);
  CHECK(ec == errc::timed_out);

  // An async receive cancelled while waiting for the rest takes nothing either.
  bool done = false;
  s.channel.async_receive(asio::buffer(large), [&](std::error_code e, std::size_t n) {
    done = true;
    ec = e;
    CHECK(n == 0);
  });
  s.io.run_for(50ms);
  CHECK_FALSE(done);
  s.channel.cancel();
  s.io.restart();
  s.io.run_for(io_bound);
  CHECK(done);
  CHECK(ec == errc::operation_aborted);

  s.channel.set_receive_timeout(io_bound);
  s.channel.send(strait::buffer("go"));
  const auto rest = s.channel.receive(ec);
  REQUIRE_FALSE(ec);
  CHECK(std::equal(rest.begin(), rest.end(), message.begin() + 10, message.end()));
  CHECK(rest.size() == 990);
  CHECK(is_pattern(s.channel.receive(), 50));  // the next message is intact
  CHECK(s.close_and_wait() == 0);
}
