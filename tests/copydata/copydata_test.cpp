// copydata:// — one-way, confirmed delivery (copydata.hpp): the cases of
// the channel contract that apply to a one-way transport, with the M1
// rules of a mailslot reader. Two processes per case: the test and
// strait_copydata_peer. Run in both builds (POSIX sockets; Windows
// message-only windows under Wine).
#include <algorithm>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <asio/use_future.hpp>
#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"
#include "connect_when_served.hpp"
#include "traffic.hpp"

namespace {

using namespace std::chrono_literals;
namespace ct = strait::copydata_test;

constexpr auto io_timeout = 20s;    // "did not hang": a healthy run is far below it
constexpr auto exit_timeout = 60s;

std::string fresh_url() { return "copydata://" + strait::test::unique_name("copydata"); }

strait::test::child_process start_peer(std::string_view role, const std::vector<std::string>& args) {
  return strait::test::start_beside("strait_copydata_peer", role, args);
}

int exit_code(strait::test::child_process& peer) {
  return strait::test::exit_code_within(peer, exit_timeout);
}

struct served {
  asio::io_context io;
  strait::listener listener;
  strait::channel reader;

  explicit served(const std::string& url, strait::listen_options options = {})
      : listener(strait::listen(io, url, options)), reader(listener.accept()) {
    reader.set_receive_timeout(io_timeout);
  }
};

}  // namespace

TEST_CASE("C1.C2.messages_arrive_whole_in_order_with_their_dwData", "[copydata]") {
  const auto url = fresh_url();
  served s(url);
  constexpr std::size_t count = 12;
  auto peer = start_peer("write", {url, std::to_string(count)});
  for (std::size_t i = 0; i < count; ++i) {
    const auto m = s.reader.receive();
    CHECK(m == ct::message(i));
    CHECK(strait::copydata_received_data(s.reader) == ct::data_of(i));
  }
  CHECK(exit_code(peer) == 0);
}

TEST_CASE("C2.a_second_async_send_in_flight_is_refused_and_the_first_arrives", "[copydata]") {
  const auto url = fresh_url();
  served s(url);
  auto peer = start_peer("second-send", {url});
  CHECK(s.reader.receive() == ct::message(0));
  CHECK(exit_code(peer) == static_cast<int>(strait::errc::invalid_argument));
  // The refused message was not delivered as well.
  s.reader.set_receive_timeout(200ms);
  std::error_code ec;
  s.reader.receive(ec);
  CHECK(ec == strait::errc::timed_out);
}

TEST_CASE("C3.short_receive_gets_more_data_then_the_rest", "[copydata]") {
  const auto url = fresh_url();
  served s(url);
  auto peer = start_peer("write", {url, "5"});  // message 4 has 70000 bytes
  for (std::size_t i = 0; i < 4; ++i) REQUIRE(s.reader.receive() == ct::message(i));
  const auto expected = ct::message(4);
  std::vector<std::byte> first(1000);
  std::error_code ec;
  CHECK(s.reader.receive(asio::buffer(first), ec) == first.size());
  CHECK(ec == strait::errc::more_data);
  CHECK(strait::copydata_received_data(s.reader) == ct::data_of(4));
  std::vector<std::byte> rest(expected.size());
  const auto n = s.reader.receive(asio::buffer(rest), ec);
  CHECK_FALSE(ec);
  REQUIRE(n == expected.size() - first.size());
  rest.resize(n);
  first.insert(first.end(), rest.begin(), rest.end());
  CHECK(first == expected);
  CHECK(exit_code(peer) == 0);
}

TEST_CASE("M1.reader_cannot_send_writer_cannot_receive", "[copydata]") {
  const auto url = fresh_url();
  served s(url);
  CHECK_FALSE(s.reader.capabilities().can_send);
  CHECK(s.reader.capabilities().can_receive);
  std::error_code ec;
  s.reader.send(strait::buffer("no"), ec);
  CHECK(ec == strait::errc::access_denied);
  auto peer = start_peer("try-receive", {url});
  CHECK(exit_code(peer) == static_cast<int>(strait::errc::access_denied));
}

TEST_CASE("C5.nobody_reading_is_not_found", "[copydata]") {
  asio::io_context io;
  std::error_code ec;
  strait::connect(io, fresh_url(), {}, ec);
  CHECK(ec == strait::errc::not_found);
}

TEST_CASE("C7.second_reader_is_already_exists", "[copydata]") {
  const auto url = fresh_url();
  served s(url);
  auto peer = start_peer("try-listen", {url});
  CHECK(exit_code(peer) == static_cast<int>(strait::errc::already_exists));
}

TEST_CASE("C7.crashed_readers_name_is_reclaimed", "[copydata]") {
  const auto url = fresh_url();
  auto peer = start_peer("listen", {url});
  {
    asio::io_context io;
    strait::test::connect_when_served(io, url);  // the peer serves it
  }
  peer.kill();
  REQUIRE(peer.wait(io_timeout) == strait::test::killed_exit_code);
  served s(url);  // not already_exists
  auto writer = start_peer("write", {url, "1"});
  CHECK(s.reader.receive() == ct::message(0));
  CHECK(exit_code(writer) == 0);
}

TEST_CASE("C8.receive_times_out_and_cancel_loses_nothing", "[copydata]") {
  const auto url = fresh_url();
  served s(url);
  std::error_code ec;
  s.reader.set_receive_timeout(50ms);
  s.reader.receive(ec);
  CHECK(ec == strait::errc::timed_out);
  s.reader.set_receive_timeout(io_timeout);

  std::promise<std::error_code> cancelled;
  s.reader.async_receive([&](std::error_code e, std::vector<std::byte>) { cancelled.set_value(e); });
  s.reader.cancel();
  s.io.run();
  CHECK(cancelled.get_future().get() == strait::errc::operation_aborted);

  auto peer = start_peer("write", {url, "2"});
  auto first = s.reader.async_receive(asio::use_future);
  s.io.restart();
  // use_future's handler keeps no work on the io_context: this guard does.
  auto busy = asio::make_work_guard(s.io);
  std::thread runner([&] { s.io.run(); });
  CHECK(first.get() == ct::message(0));
  busy.reset();
  runner.join();
  CHECK(s.reader.receive() == ct::message(1));
  CHECK(exit_code(peer) == 0);
}

TEST_CASE("C9.over_the_readers_maximum_is_message_too_large", "[copydata]") {
  const auto url = fresh_url();
  strait::listen_options o;
  o.max_message_size = 1000;
  served s(url, o);
  CHECK(s.reader.capabilities().max_message_size == 1000);
  auto peer = start_peer("try-send", {url, "1001"});  // then 10 bytes, which arrive
  CHECK(exit_code(peer) == static_cast<int>(strait::errc::message_too_large));
  CHECK(s.reader.receive() == ct::message(1, 10));
  auto fits = start_peer("try-send", {url, "1000"});
  CHECK(exit_code(fits) == 0);
  CHECK(s.reader.receive() == ct::message(0, 1000));
}

TEST_CASE("C9.over_the_writers_maximum_is_message_too_large", "[copydata]") {
  const auto url = fresh_url();
  auto peer = start_peer("read-one", {url});
  asio::io_context io;
  auto w = strait::test::connect_when_served(io, url);
  strait::connect_options o;
  o.max_message_size = 10;
  auto small = strait::connect(io, url, o);
  std::error_code ec;
  small.send(asio::buffer(ct::message(0, 11)), ec);
  CHECK(ec == strait::errc::message_too_large);
  small.send(asio::buffer(ct::message(0)), ec);  // message 0 is empty: fits
  CHECK_FALSE(ec);
  CHECK(exit_code(peer) == 0);
}

TEST_CASE("C8.a_reader_that_does_not_read_times_the_writer_out", "[copydata]") {
  const auto url = fresh_url();
  const auto control = fresh_url();
  auto peer = start_peer("hold", {url, control});
  asio::io_context io;
  auto w = strait::test::connect_when_served(io, url);
  w.set_send_timeout(io_timeout);
  for (std::size_t i = 0; i < strait::copydata_queue_limit; ++i)
    REQUIRE_NOTHROW(w.send(asio::buffer(ct::message(i))));
  // The reader holds copydata_queue_limit messages: it takes no more.
  w.set_send_timeout(300ms);
  std::error_code ec;
  w.send(asio::buffer(ct::message(strait::copydata_queue_limit)), ec);
  CHECK(ec == strait::errc::timed_out);
  strait::test::connect_when_served(io, control).send(strait::buffer("drain"));
  CHECK(exit_code(peer) == 0);  // it found exactly the confirmed messages
}

TEST_CASE("C4.a_vanished_reader_is_broken_pipe", "[copydata]") {
  const auto url = fresh_url();
  auto peer = start_peer("read-one", {url});
  asio::io_context io;
  auto w = strait::test::connect_when_served(io, url);
  w.set_send_timeout(io_timeout);
  w.send(asio::buffer(ct::message(0)));
  REQUIRE(exit_code(peer) == 0);
  std::error_code ec;
  w.send(asio::buffer(ct::message(1)), ec);
  CHECK(ec == strait::errc::broken_pipe);
}

TEST_CASE("N1.malformed_names_are_refused_before_any_system_call", "[copydata]") {
  asio::io_context io;
  for (const char* url : {"copydata://", "copydata://bad name", "copydata://.hidden",
                          "copydata://window/", "copydata://window/a%zz", "copydata://window/a%00"}) {
    INFO(url);
    std::error_code ec;
    strait::connect(io, url, {}, ec);
    CHECK(ec == strait::errc::invalid_name);
    strait::listen(io, url, ec);
    CHECK(ec == strait::errc::invalid_name);
  }
  std::error_code ec;
  strait::listen(io, "copydata://window/SomeClass", ec);
  CHECK(ec == strait::errc::invalid_argument);  // a window of another program is not served
  strait::channel ch;
  strait::copydata_received_data(ch, ec);
  CHECK(ec == strait::errc::invalid_argument);
}

TEST_CASE("window.not_supported_off_windows", "[copydata][posix]") {
  asio::io_context io;
  std::error_code ec;
  strait::connect(io, "copydata://window/Notepad", {}, ec);
  CHECK(ec == strait::errc::not_supported);
}

TEST_CASE("discovery.a_reader_is_listed_with_its_url", "[copydata]") {
  // Lower case: Windows lists copydata names folded, as they ignore case.
  const auto name = "copydata-listed-" + std::to_string(strait::test::current_process_id());
  const auto url = "copydata://" + name;
  served s(url);
  const auto listed = strait::list_local_endpoints();
  const auto it = std::find_if(listed.begin(), listed.end(),
                               [&](const strait::local_endpoint& e) { return e.url == url; });
  REQUIRE(it != listed.end());
  CHECK(it->kind == "copydata");
  CHECK(it->state == strait::endpoint_state::live);
}
