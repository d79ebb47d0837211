// Mailslot conformance, M1-M5 (DESIGN.md): the reader is this process, every
// writer a peer process of its own. Registered in ctest as mailslot.<case>.
#include <array>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "harness.hpp"
#include "native.hpp"
#include "traffic.hpp"

namespace mt = strait::mailslot_test;
using strait::errc;
using namespace std::chrono_literals;

namespace {

std::string url_of(const strait::mailslot& box) { return box.endpoint(); }

// A mailslot whose receives give up after io_timeout: a failure, never a hang.
strait::mailslot bounded_mailslot(asio::io_context& io, strait::mailslot_options o = {}) {
  o.read_timeout = mt::io_timeout;
  return strait::mailslot::create(io, mt::fresh_name(), o);
}

}  // namespace

// ---- M1 -------------------------------------------------------------------------

TEST_CASE("M1.writers_cannot_receive", "[M1]") {
  asio::io_context io;
  auto box = bounded_mailslot(io);
  auto writer = mt::start_peer("writer-rules", {url_of(box)});
  CHECK(mt::exit_code(writer) == 0);
  // The writer's last send, after its failed receives, still arrived.
  const auto m = box.receive();
  CHECK(std::string(reinterpret_cast<const char*>(m.data()), m.size()) == "still a writer");
}

TEST_CASE("M1.a_second_async_send_in_flight_is_refused_and_the_first_arrives", "[M1]") {
  asio::io_context io;
  auto box = bounded_mailslot(io);
  auto writer = mt::start_peer("second-send", {url_of(box)});
  CHECK(mt::exit_code(writer) == static_cast<int>(errc::invalid_argument));
  const auto m = box.receive();
  CHECK(std::string(reinterpret_cast<const char*>(m.data()), m.size()) == "first");
  box.set_read_timeout(0ms);  // the writer has exited: all it sent is here
  std::error_code ec;
  box.receive(ec);  // the refused one was not delivered as well
  CHECK(ec == errc::timed_out);
}

TEST_CASE("M1.the_reader_cannot_send", "[M1]") {
  asio::io_context io;
  auto box = bounded_mailslot(io);
  const auto caps = box.capabilities();
  CHECK_FALSE(caps.can_send);
  CHECK(caps.can_receive);
  CHECK(caps.reliable);
  CHECK_FALSE(caps.broadcast);
  CHECK(caps.max_message_size == strait::default_mailslot_message_size);

  // The reader as a channel, from the transport-agnostic strait::listen.
  auto listener = strait::listen(io, "mailslot://" + mt::fresh_name());
  auto reader = listener.accept();
  CHECK_FALSE(reader.capabilities().can_send);
  std::error_code ec;
  reader.send(strait::buffer("no"), ec);
  CHECK(ec == errc::access_denied);
  std::error_code async_ec;
  reader.async_send(strait::buffer("no"), [&](std::error_code e, std::size_t) { async_ec = e; });
  io.run();
  CHECK(async_ec == errc::access_denied);
}

TEST_CASE("M1.listen_hands_out_the_reader_once", "[M1][M2]") {
  asio::io_context io;
  auto listener = strait::listen(io, "mailslot://" + mt::fresh_name());
  auto reader = listener.accept();
  reader.set_receive_timeout(mt::io_timeout);
  CHECK(reader.endpoint() == listener.endpoint());

  auto writer = mt::start_peer("send-sizes", {listener.endpoint(), "300"});
  CHECK(mt::exit_code(writer) == 0);
  // C3 on the channel view: a short buffer takes part, the rest follows.
  std::array<std::byte, 100> part;
  std::error_code ec;
  CHECK(reader.receive(asio::buffer(part), ec) == 100);
  CHECK(ec == errc::more_data);
  std::vector<std::byte> whole(part.begin(), part.end());
  const auto rest = reader.receive();
  whole.insert(whole.end(), rest.begin(), rest.end());
  CHECK(mt::mismatch(mt::payload(1, 0, 300), whole) == "");

  // A mailslot has no other clients: a second accept waits for its timeout.
  listener.set_accept_timeout(50ms);
  listener.accept(ec);
  CHECK(ec == errc::timed_out);
}

// ---- M2 -------------------------------------------------------------------------

TEST_CASE("M2.three_writer_processes_1000_messages_each", "[M2]") {
  asio::io_context io;
  auto box = bounded_mailslot(io);
  constexpr std::uint32_t writers = 3, count = 1000;
  std::vector<strait::test::child_process> peers;
  for (std::uint32_t w = 0; w < writers; ++w) {
    std::vector<std::string> a{url_of(box), std::to_string(w), std::to_string(count)};
    if (w == writers - 1) a.push_back("async");  // one of them through async_send
    peers.push_back(mt::start_peer("write", a));
  }

  // Every message whole, each writer's in order, none twice, none lost.
  mt::order_checker checker(writers, count, box.max_message_size());
  std::size_t received = 0;
  while (!checker.done()) {
    std::error_code ec;
    const auto m = box.receive(ec);
    INFO("after " << received << " messages");
    REQUIRE_FALSE(ec);
    const auto problem = checker.check(m);
    REQUIRE(problem == "");
    ++received;
  }
  CHECK(received == writers * count);
  for (auto& p : peers) CHECK(mt::exit_code(p) == 0);
  std::error_code ec;
  CHECK(box.pending(ec) == 0);
  CHECK_FALSE(box.next_message_size(ec).has_value());
}

// A full queue blocks the writer, up to its send timeout: timed_out, and
// nothing is dropped. POSIX only: a Windows mailslot write never waits.
TEST_CASE("M2.a_full_mailslot_blocks_its_writer_then_timed_out", "[M2][C8][posix]") {
  mt::report_box reports;
  asio::io_context io;
  auto box = bounded_mailslot(io);
  std::vector<strait::test::child_process> peers;
  peers.push_back(mt::start_peer("fill", {url_of(box), "200", reports.url}));
  // The writer sends until the queue is full and a send times out; it is
  // not read meanwhile, so only a full queue can stop it.
  reports.box.set_read_timeout(mt::io_timeout);
  const auto said = reports.box.receive();
  CHECK(mt::exit_code(peers[0]) == 0);
  const auto sent = static_cast<std::uint32_t>(
      std::stoul(std::string(reinterpret_cast<const char*>(said.data()), said.size())));
  INFO(sent << " messages went out before the send timed out");
  CHECK(sent > 0);
  CHECK(sent < 100000);
  // Every message that was sent is there, in order; the timed-out one is not.
  CHECK(box.pending() == sent);
  mt::order_checker checker(1, sent, 64);
  for (std::uint32_t k = 0; k < sent; ++k) REQUIRE(checker.check(box.receive()) == "");
  std::error_code ec;
  CHECK_FALSE(box.next_message_size(ec).has_value());
}

TEST_CASE("M2.a_second_reader_fails_already_exists", "[M2]") {
  asio::io_context io;
  const auto name = mt::fresh_name();
  auto first = strait::mailslot::create(io, name);
  first.set_read_timeout(mt::io_timeout);

  std::error_code ec;
  auto second = strait::mailslot::create(io, name, {}, ec);
  CHECK(ec == errc::already_exists);
  CHECK_FALSE(second.is_open());
  strait::listen(io, "mailslot://" + name, ec);
  CHECK(ec == errc::already_exists);

  auto other_process = mt::start_peer("try-create", {name});
  CHECK(mt::exit_code(other_process) == static_cast<int>(errc::already_exists));

  // The failed attempts took nothing from the first reader.
  auto writer = mt::start_peer("send-sizes", {"mailslot://" + name, "10"});
  CHECK(mt::exit_code(writer) == 0);
  CHECK(first.receive().size() == 10);

  // Closed, the name is free again.
  first.close();
  auto third = strait::mailslot::create(io, name, {}, ec);
  CHECK_FALSE(ec);
}

TEST_CASE("M2.a_name_left_by_a_killed_reader_is_reclaimed", "[M2]") {
  mt::report_box reports;
  const auto name = mt::fresh_name();
  std::vector<strait::test::child_process> peers;
  peers.push_back(mt::start_peer("hold", {name, reports.url}));
  reports.wait_ready(1, peers);

  peers[0].kill();
  CHECK(mt::exit_code(peers[0]) == strait::test::killed_exit_code);

  asio::io_context io;
  std::error_code ec;
  strait::connect(io, "mailslot://" + name, ec);
  CHECK(ec == errc::not_found);  // nobody reads it now
  auto box = strait::mailslot::create(io, name, {}, ec);
  REQUIRE_FALSE(ec);
  box.set_read_timeout(mt::io_timeout);
  auto writer = mt::start_peer("send-sizes", {url_of(box), "7"});
  CHECK(mt::exit_code(writer) == 0);
  CHECK(box.receive().size() == 7);
}

TEST_CASE("M2.writing_to_a_name_nobody_reads_is_not_found", "[M2]") {
  asio::io_context io;
  std::error_code ec;
  auto ch = strait::connect(io, "mailslot://" + mt::fresh_name(), ec);
  CHECK(ec == errc::not_found);
  CHECK_FALSE(ch.is_open());
  strait::mailslot::create(io, "not a name", {}, ec);
  CHECK(ec == errc::invalid_name);
  strait::mailslot::create(io, "pipe://x", {}, ec);
  CHECK(ec == errc::invalid_argument);
}

// ---- M3 -------------------------------------------------------------------------

TEST_CASE("M3.an_oversized_write_fails_and_nothing_is_delivered", "[M3]") {
  asio::io_context io;
  strait::mailslot_options o;
  o.max_message_size = 100;
  auto box = bounded_mailslot(io, o);
  CHECK(box.max_message_size() == 100);
  CHECK(box.capabilities().max_message_size == 100);

  // The writer learns the reader's maximum and refuses more before sending
  // (Wine would deliver it: the library enforces it, WINE.md).
  auto too_large = mt::start_peer("try-send", {url_of(box), "101", "100"});
  CHECK(mt::exit_code(too_large) == static_cast<int>(errc::message_too_large));
  auto fits = mt::start_peer("try-send", {url_of(box), "100", "100"});
  CHECK(mt::exit_code(fits) == 0);

  CHECK(mt::mismatch(mt::payload(1, 0, 100), box.receive()) == "");
  std::error_code ec;
  CHECK_FALSE(box.next_message_size(ec).has_value());
  CHECK(box.pending(ec) == 0);
  box.set_read_timeout(0ms);
  box.receive(ec);
  CHECK(ec == errc::timed_out);
}

TEST_CASE("M3.the_maximum_is_bounded", "[M3]") {
  asio::io_context io;
  std::error_code ec;
  strait::mailslot_options o;
  o.max_message_size = 0;
  strait::mailslot::create(io, mt::fresh_name(), o, ec);
  CHECK(ec == errc::invalid_argument);
  o.max_message_size = strait::mailslot_size_limit + 1;
  strait::mailslot::create(io, mt::fresh_name(), o, ec);
  CHECK(ec == errc::invalid_argument);

  // A message of exactly the limit goes through.
  o.max_message_size = strait::mailslot_size_limit;
  auto box = bounded_mailslot(io, o);
  const auto limit = std::to_string(strait::mailslot_size_limit);
  auto writer = mt::start_peer("send-sizes", {url_of(box), limit, "0", limit});
  CHECK(mt::exit_code(writer) == 0);
  CHECK(mt::mismatch(mt::payload(1, 0, strait::mailslot_size_limit), box.receive()) == "");
  CHECK(box.receive().empty());
  CHECK(mt::mismatch(mt::payload(1, 2, strait::mailslot_size_limit), box.receive()) == "");
}

// ---- M4 -------------------------------------------------------------------------

TEST_CASE("M4.next_size_and_pending_count", "[M4]") {
  asio::io_context io;
  auto box = bounded_mailslot(io);
  std::error_code ec;
  CHECK_FALSE(box.next_message_size(ec).has_value());
  CHECK(box.pending(ec) == 0);

  auto writer = mt::start_peer("send-sizes", {url_of(box), "5", "0", "300"});
  REQUIRE(mt::exit_code(writer) == 0);  // a local write is queued when it returns

  // Wine counts at most one queued message (WINE.md); Windows and POSIX count them all.
  const bool capped = mt::running_under_wine();
  auto expected = [&](std::size_t n) { return capped ? std::min<std::size_t>(n, 1) : n; };
  CHECK(box.pending() == expected(3));
  CHECK(box.next_message_size() == 5u);
  CHECK(box.receive().size() == 5);
  CHECK(box.next_message_size() == 0u);  // a zero-length message is a message
  CHECK(box.pending() == expected(2));
  CHECK(box.receive().empty());
  CHECK(box.next_message_size() == 300u);
  CHECK(box.pending() == expected(1));
  CHECK(mt::mismatch(mt::payload(1, 2, 300), box.receive()) == "");
  CHECK_FALSE(box.next_message_size().has_value());
  CHECK(box.pending() == 0);
}

TEST_CASE("M4.an_empty_read_times_out", "[M4][C8]") {
  asio::io_context io;
  strait::mailslot_options o;
  o.read_timeout = 100ms;
  auto box = strait::mailslot::create(io, mt::fresh_name(), o);
  CHECK(box.read_timeout() == 100ms);
  std::error_code ec;
  std::array<std::byte, 16> buffer;
  CHECK(box.receive(asio::buffer(buffer), ec) == 0);
  CHECK(ec == errc::timed_out);
  box.set_read_timeout(0ms);
  box.receive(ec);
  CHECK(ec == errc::timed_out);
  try {
    box.receive();
    FAIL("receive() on an empty mailslot did not throw");
  } catch (const std::system_error& e) {
    CHECK(e.code() == errc::timed_out);
  }

  // The time-outs lost nothing: a later message arrives whole.
  auto writer = mt::start_peer("send-sizes", {url_of(box), "33"});
  REQUIRE(mt::exit_code(writer) == 0);
  box.set_read_timeout(mt::io_timeout);
  CHECK(mt::mismatch(mt::payload(1, 0, 33), box.receive()) == "");
}

TEST_CASE("M4.waiting_forever_is_woken_by_a_later_write", "[M4]") {
  asio::io_context io;
  auto box = strait::mailslot::create(io, mt::fresh_name());
  CHECK(box.read_timeout() == strait::infinite);
  auto writer = mt::start_peer("send-after", {"300", url_of(box), "42"});
  // If the writer fails, a message of our own ends the wait (and the check fails).
  std::atomic<bool> received{false};
  std::thread watchdog([&, url = url_of(box)] {
    if (writer.wait(mt::exit_timeout) == 0)
      for (int i = 0; i < 200 && !received; ++i) std::this_thread::sleep_for(100ms);
    if (received) return;
    asio::io_context wio;
    std::error_code ignored;
    strait::connect(wio, url, ignored).send(strait::buffer("watchdog"), ignored);
  });
  const auto m = box.receive();
  received = true;
  watchdog.join();
  CHECK(mt::mismatch(mt::payload(1, 0, 42), m) == "");
  CHECK(mt::exit_code(writer) == 0);
}

TEST_CASE("M4.async_receive_on_the_io_context", "[M4][C8]") {
  asio::io_context io;
  auto box = bounded_mailslot(io);
  std::error_code got_ec = make_error_code(errc::io_error);
  std::vector<std::byte> got;
  box.async_receive([&](std::error_code ec, std::vector<std::byte> m) {
    got_ec = ec;
    got = std::move(m);
  });
  auto writer = mt::start_peer("send-sizes", {url_of(box), "64", "128"});
  io.run_for(mt::io_timeout);  // until the handler ran (nothing else keeps io busy)
  CHECK_FALSE(got_ec);
  CHECK(mt::mismatch(mt::payload(1, 0, 64), got) == "");

  // Into a buffer: a short one takes nothing (M5), a large one the whole message.
  std::array<std::byte, 16> small;
  std::array<std::byte, 256> large;
  std::size_t n = 99;
  box.async_receive(asio::buffer(small), [&](std::error_code ec, std::size_t k) { got_ec = ec; n = k; });
  io.restart();
  io.run_for(mt::io_timeout);
  CHECK(got_ec == errc::more_data);
  CHECK(n == 0);
  box.async_receive(asio::buffer(large), [&](std::error_code ec, std::size_t k) { got_ec = ec; n = k; });
  io.restart();
  io.run_for(mt::io_timeout);
  CHECK_FALSE(got_ec);
  REQUIRE(n == 128);
  CHECK(mt::mismatch(mt::payload(1, 1, 128), std::span(large.data(), n)) == "");
  CHECK(mt::exit_code(writer) == 0);
}

TEST_CASE("M4.a_cancelled_async_receive_loses_nothing", "[M4][C8]") {
  asio::io_context io;
  auto box = bounded_mailslot(io);
  std::error_code got_ec;
  bool done = false;
  box.async_receive([&](std::error_code ec, std::vector<std::byte>) {
    got_ec = ec;
    done = true;
  });
  io.poll();
  box.cancel();
  io.run_for(mt::io_timeout);
  REQUIRE(done);
  CHECK(got_ec == errc::operation_aborted);

  auto writer = mt::start_peer("send-sizes", {url_of(box), "11", "22"});
  REQUIRE(mt::exit_code(writer) == 0);
  CHECK(mt::mismatch(mt::payload(1, 0, 11), box.receive()) == "");
  CHECK(mt::mismatch(mt::payload(1, 1, 22), box.receive()) == "");
}

// ---- M5 -------------------------------------------------------------------------

TEST_CASE("M5.a_short_buffer_fails_and_keeps_the_message", "[M5]") {
  asio::io_context io;
  auto box = bounded_mailslot(io);
  auto writer = mt::start_peer("send-sizes", {url_of(box), "300", "20"});
  REQUIRE(mt::exit_code(writer) == 0);

  std::array<std::byte, 10> small;
  std::error_code ec;
  CHECK(box.receive(asio::buffer(small), ec) == 0);
  CHECK(ec == errc::more_data);
  CHECK(box.next_message_size() == 300u);  // still first, still whole
  std::vector<std::byte> large(300);
  CHECK(box.receive(asio::buffer(large), ec) == 300);
  CHECK_FALSE(ec);
  CHECK(mt::mismatch(mt::payload(1, 0, 300), large) == "");
  CHECK(mt::mismatch(mt::payload(1, 1, 20), box.receive()) == "");
}
