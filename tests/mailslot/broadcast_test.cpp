// M6: mailslot://*/NAME (UDP multicast) and mailslot://HOST/NAME (UDP to
// one machine). Everything runs on the loopback interface: readers join the
// group on 127.0.0.1 and writers send through it, so the tests need no
// network and leave nothing on one.
#include <string>
#include <vector>

#include <asio/ip/udp.hpp>
#include <strait/strait.hpp>

#include "catch.hpp"
#include "harness.hpp"
#include "traffic.hpp"

namespace mt = strait::mailslot_test;
using strait::errc;

namespace {

const std::string loopback = "127.0.0.1";

strait::broadcast_options on_loopback() {
  strait::broadcast_options b;
  b.interface_address = loopback;
  return b;
}

// A mailslot that also takes broadcasts on the loopback interface, its receives bounded.
strait::mailslot_options receiving_on_loopback() {
  strait::mailslot_options o;
  o.receive_broadcasts = true;
  o.broadcast = on_loopback();
  o.read_timeout = mt::io_timeout;
  return o;
}

// A writer peer sends `count` numbered messages to mailslot://127.0.0.1/NAME
// of `box`; all arrive, in order.
void check_unicast_reaches(strait::mailslot& box, int count) {
  const auto name = box.endpoint().substr(std::string("mailslot://").size());
  auto writer = mt::start_peer("broadcast-write", {"mailslot://" + loopback + "/" + name, loopback,
                                                   "0", std::to_string(count)});
  CHECK(mt::exit_code(writer) == 0);
  mt::order_checker checker(1, count, strait::default_broadcast_message_size);
  while (!checker.done()) {
    std::error_code ec;
    const auto m = box.receive(ec);
    REQUIRE_FALSE(ec);
    REQUIRE(checker.check(m) == "");
  }
}

}  // namespace

TEST_CASE("M6.three_readers_each_receive_every_broadcast_of_two_writers", "[M6]") {
  mt::report_box reports;
  const auto news = mt::fresh_name("news");
  constexpr int readers = 3, writers = 2, count = 100;
  // Three readers of the broadcasts of `news` on one machine: each has a
  // mailslot of its own (M2 allows one reader per name per machine).
  std::vector<strait::test::child_process> peers;
  for (int r = 0; r < readers; ++r)
    peers.push_back(mt::start_peer("broadcast-read", {mt::fresh_name("reader"), news, loopback,
                                                      reports.url, std::to_string(writers),
                                                      std::to_string(count)}));
  reports.wait_ready(readers, peers);  // each has joined the group

  std::vector<strait::test::child_process> senders;
  for (int w = 0; w < writers; ++w)
    senders.push_back(mt::start_peer(
        "broadcast-write", {"mailslot://*/" + news, loopback, std::to_string(w), std::to_string(count)}));
  for (auto& s : senders) CHECK(mt::exit_code(s) == 0);
  // Each reader checks every message of both writers, in order, once.
  for (auto& r : peers) CHECK(mt::exit_code(r) == 0);
}

TEST_CASE("M6.an_oversized_broadcast_fails_message_too_large", "[M6]") {
  asio::io_context io;
  const auto url = "mailslot://*/" + mt::fresh_name();
  auto ch = strait::connect_mailslot(io, url, on_loopback());
  const auto caps = ch.capabilities();
  CHECK(caps.can_send);
  CHECK_FALSE(caps.can_receive);  // M1
  CHECK(caps.broadcast);
  CHECK(caps.cross_machine);
  CHECK_FALSE(caps.reliable);  // best-effort datagrams
  CHECK(caps.max_message_size == strait::default_broadcast_message_size);  // 424, like Windows

  std::error_code ec;
  ch.send(asio::buffer(mt::payload(1, 0, 425)), ec);
  CHECK(ec == errc::message_too_large);
  std::error_code async_ec;
  ch.async_send(asio::buffer(mt::payload(1, 0, 425)), [&](std::error_code e, std::size_t) { async_ec = e; });
  io.run();
  CHECK(async_ec == errc::message_too_large);
  ch.send(asio::buffer(mt::payload(1, 0, 424)), ec);  // nobody listens: best-effort, no error
  CHECK_FALSE(ec);
  ch.receive(ec);
  CHECK(ec == errc::access_denied);

  // Configurable up to a payload that always fits one datagram.
  auto options = on_loopback();
  options.max_message_size = strait::broadcast_size_limit;
  CHECK(strait::connect_mailslot(io, url, options).capabilities().max_message_size ==
        strait::broadcast_size_limit);
  options.max_message_size = strait::broadcast_size_limit + 1;
  strait::connect_mailslot(io, url, options, {}, ec);
  CHECK(ec == errc::invalid_argument);
  options = on_loopback();
  options.group = "10.0.0.1";  // not a multicast group
  strait::connect_mailslot(io, url, options, {}, ec);
  CHECK(ec == errc::invalid_argument);
  // The writer's own limit counts too.
  strait::connect_options smaller;
  smaller.max_message_size = 100;
  CHECK(strait::connect_mailslot(io, url, on_loopback(), smaller).capabilities().max_message_size == 100);
}

TEST_CASE("M6.a_listener_of_broadcasts_names_its_url", "[M6]") {
  // strait::listen() has no broadcast_options: the group is joined on the
  // default interface, and this case only reads the URL back.
  asio::io_context io;
  const auto name = mt::fresh_name();
  CHECK(strait::listen(io, "mailslot://*/" + name).endpoint() == "mailslot://*/" + name);
  CHECK(strait::listen(io, "mailslot://./" + name).endpoint() == "mailslot://" + name);
}

TEST_CASE("M6.unicast_to_one_machine", "[M6]") {
  asio::io_context io;
  auto box = strait::mailslot::create(io, mt::fresh_name(), receiving_on_loopback());
  check_unicast_reaches(box, 50);
}

TEST_CASE("M6.a_second_async_send_in_flight_is_refused_and_the_first_arrives", "[M6]") {
  asio::io_context io;
  auto box = strait::mailslot::create(io, mt::fresh_name(), receiving_on_loopback());
  const auto name = box.endpoint().substr(std::string("mailslot://").size());
  auto writer = mt::start_peer("second-send", {"mailslot://*/" + name, loopback});
  CHECK(mt::exit_code(writer) == static_cast<int>(errc::invalid_argument));
  const auto m = box.receive();
  CHECK(std::string(reinterpret_cast<const char*>(m.data()), m.size()) == "first");
  box.set_read_timeout(std::chrono::milliseconds(0));  // the writer has exited: all it sent is here
  std::error_code ec;
  box.receive(ec);  // the refused one was not delivered as well
  CHECK(ec == errc::timed_out);
}

TEST_CASE("M6.local_and_broadcast_messages_share_one_receive", "[M6]") {
  asio::io_context io;
  auto o = receiving_on_loopback();
  o.max_message_size = strait::default_broadcast_message_size;
  auto box = strait::mailslot::create(io, mt::fresh_name(), o);
  const auto caps = box.capabilities();
  CHECK(caps.broadcast);
  CHECK(caps.cross_machine);
  CHECK_FALSE(caps.reliable);
  CHECK_FALSE(caps.can_send);

  const auto name = box.endpoint().substr(std::string("mailslot://").size());
  constexpr int count = 50;
  auto local = mt::start_peer("write", {box.endpoint(), "0", std::to_string(count)});
  auto remote = mt::start_peer("broadcast-write", {"mailslot://*/" + name, loopback, "1", std::to_string(count)});
  mt::order_checker checker(2, count, strait::default_broadcast_message_size);
  while (!checker.done()) {
    std::error_code ec;
    const auto m = box.receive(ec);
    REQUIRE_FALSE(ec);
    REQUIRE(checker.check(m) == "");
  }
  CHECK(mt::exit_code(local) == 0);
  CHECK(mt::exit_code(remote) == 0);
}

TEST_CASE("M6.datagrams_for_other_names_are_ignored", "[M6]") {
  asio::io_context io;
  auto o = receiving_on_loopback();
  o.broadcast.name = mt::fresh_name("mine");
  auto box = strait::mailslot::create(io, mt::fresh_name(), o);

  // Another name sent to the very group and port of ours...
  const auto ours = strait::broadcast_address(o.broadcast.name);
  auto elsewhere = on_loopback();
  elsewhere.group = ours.group;
  elsewhere.port = ours.port;
  auto other = strait::connect_mailslot(io, "mailslot://*/" + mt::fresh_name("other"), elsewhere);
  other.send(strait::buffer("not for us"));
  // ...is not delivered; ours is.
  auto mine = strait::connect_mailslot(io, "mailslot://*/" + o.broadcast.name, on_loopback());
  mine.send(strait::buffer("for us"));
  const auto m = box.receive();
  CHECK(std::string(reinterpret_cast<const char*>(m.data()), m.size()) == "for us");
}

TEST_CASE("M6.the_group_and_port_come_from_the_name", "[M6]") {
  const auto a = strait::broadcast_address("Orders");
  const auto b = strait::broadcast_address("orders");  // names ignore case
  CHECK(a.group == b.group);
  CHECK(a.port == b.port);
  CHECK(a.group.rfind("239.255.", 0) == 0);
  CHECK(a.port >= 61000);
  CHECK(a.port < 65500);
  const auto c = strait::broadcast_address("invoices");
  CHECK((c.group != a.group || c.port != a.port));
  // 15.15: a second port for when another program holds the first.
  CHECK(a.alternate_port == b.alternate_port);
  CHECK(a.alternate_port != a.port);
  CHECK(a.alternate_port >= 61000);
  CHECK(a.alternate_port < 65500);
}

// The ports lie in macOS's and Windows' ephemeral ranges (15.15): with the
// name's port held by a program that shares nothing, the reader takes the
// alternate port and a writer's messages still reach it. ([posix]: Windows
// lets SO_REUSEADDR bind beside the holder, so there is nothing to fall back from.)
TEST_CASE("M6.a_held_port_sends_the_reader_to_the_alternate", "[M6][posix]") {
  asio::io_context io;
  const auto name = mt::fresh_name();
  asio::ip::udp::socket holder(io, asio::ip::udp::endpoint(asio::ip::make_address_v4(loopback),
                                                           strait::broadcast_address(name).port));
  auto box = strait::mailslot::create(io, name, receiving_on_loopback());
  check_unicast_reaches(box, 5);
}
