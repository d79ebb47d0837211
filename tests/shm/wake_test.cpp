// shm:// never misses a sleeping peer (docs/shared-memory.md, "Waking a
// sleeping peer"): for every pair of wait strategies, a receiver that ran dry
// and went to sleep is woken by the next message, and a sender that filled
// the ring and went to sleep is woken by the room the reader makes; with
// blocking and asynchronous calls. A wake-up lost would leave a call waiting
// until its bound (io_bound) with the message or the room there: the case
// fails with timed_out. The peer is a real strait client in another process
// (strait_shm_peer stream-sender / stream-receiver).
#include <chrono>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"
#include "wake_traffic.hpp"

namespace {

using namespace std::chrono_literals;
namespace wake = strait::test::wake;

constexpr auto exit_timeout = 30s;
constexpr auto io_bound = 20s;  // only means "did not hang"

const char* const strategies[] = {"spin", "adaptive", "block"};

struct wake_session {
  asio::io_context io;
  strait::listener listener;
  strait::test::child_process peer;
  strait::channel channel;

  wake_session(const std::string& ours, const std::string& role, const std::string& theirs)
      : listener(strait::listen(io, "shm://" + strait::test::unique_name("shm-wake"),
                                options(ours))),
        peer(strait::test::start_beside("strait_shm_peer", role,
                                        {listener.endpoint(), theirs})) {
    listener.set_accept_timeout(io_bound);
    channel = listener.accept();
    channel.set_send_timeout(io_bound);
    channel.set_receive_timeout(io_bound);
  }

  static strait::listen_options options(const std::string& wait) {
    strait::listen_options o;
    o.buffer_size = wake::ring_bytes;
    o.shm_wait = *wake::parse_wait(wait);
    o.shm_spin_time = wake::spin_time;
    return o;
  }

  // Runs the io_context until `done` or the bound.
  void run_until(const bool& done) {
    io.restart();
    const auto until = std::chrono::steady_clock::now() + io_bound;
    while (!done && std::chrono::steady_clock::now() < until) io.run_one_for(io_bound);
  }

  int peer_exit() {
    if (const auto code = peer.wait(exit_timeout)) return *code;
    peer.kill();
    return -1;
  }
};

}  // namespace

TEST_CASE("wake.a_receiver_that_ran_dry_is_woken_by_the_next_message", "[wake][C2]") {
  for (const std::string ours : strategies) {
    for (const std::string theirs : strategies) {
      INFO("this end " << ours << ", the sender " << theirs);
      wake_session s(ours, "stream-sender", theirs);
      std::vector<std::byte> buffer(300);  // the largest message
      for (std::size_t i = 0; i < wake::message_count; ++i) {
        INFO("message " << i);
        std::error_code ec;
        std::vector<std::byte> m;
        if (i % 4 == 3) {  // every 4th asynchronously: its wait rings the doorbell
          bool done = false;
          s.channel.async_receive(asio::buffer(buffer), [&](std::error_code e, std::size_t n) {
            ec = e;
            m.assign(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
            done = true;
          });
          s.run_until(done);
          REQUIRE(done);
        } else {
          m = s.channel.receive(ec);
        }
        REQUIRE_FALSE(ec);
        REQUIRE(wake::is_message(m, i));
      }
      s.channel.send(strait::buffer("done"));
      CHECK(s.peer_exit() == 0);
    }
  }
}

TEST_CASE("wake.a_sender_on_a_full_ring_is_woken_by_the_room_made", "[wake][C2]") {
  for (const std::string ours : strategies) {
    for (const std::string theirs : strategies) {
      INFO("this end " << ours << ", the receiver " << theirs);
      wake_session s(ours, "stream-receiver", theirs);
      for (std::size_t i = 0; i < wake::message_count; ++i) {
        INFO("message " << i);
        const auto m = wake::message(i);
        std::error_code ec;
        if (i % 4 == 3) {  // every 4th asynchronously: its wait rings the doorbell
          bool done = false;
          s.channel.async_send(asio::buffer(m), [&](std::error_code e, std::size_t) {
            ec = e;
            done = true;
          });
          s.run_until(done);
          REQUIRE(done);
        } else {
          s.channel.send(asio::buffer(m), ec);
        }
        REQUIRE_FALSE(ec);
      }
      std::error_code ec;
      const auto done = s.channel.receive(ec);
      REQUIRE_FALSE(ec);
      CHECK(std::string(reinterpret_cast<const char*>(done.data()), done.size()) == "done");
      CHECK(s.peer_exit() == 0);
    }
  }
}
