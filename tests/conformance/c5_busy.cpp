// C5: when every instance of a name is busy, connect fails with pipe_busy at
// once; with a timeout it waits for an instance up to the timeout, then
// timed_out. Only transports with instance limits (listen_options::
// max_instances): tcp and unix have none.
#include <chrono>
#include <string>
#include <thread>

#include "catch.hpp"
#include "harness.hpp"

namespace sc = strait::conformance;
using strait::errc;

namespace {

strait::listener listen_one_instance(asio::io_context& io) {
  strait::listen_options options;
  options.max_instances = 1;
  auto l = strait::listen(io, sc::fresh_listen_url(), options);
  l.set_accept_timeout(sc::io_timeout);
  return l;
}

// One message through `ch` to an echo peer and back.
void check_echo(strait::channel& ch) {
  sc::bound_blocking_calls(ch);
  ch.send(strait::buffer("instance"));
  const auto back = ch.receive();
  CHECK(std::string(reinterpret_cast<const char*>(back.data()), back.size()) == "instance");
}

// The echo peer connects with a long timeout (peer.cpp) while the only
// instance is taken, so it waits rather than failing with pipe_busy. The
// instance frees, and the listener accepts again after `listener_pause`.
void check_waiter_gets_the_freed_instance(std::chrono::milliseconds listener_pause) {
  asio::io_context io;
  auto l = listen_one_instance(io);
  auto holder = sc::start_peer("idle", l.endpoint());
  auto held = sc::accept_from(l, holder);

  auto waiter = sc::start_peer("echo", l.endpoint());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let it start waiting
  holder.kill();
  sc::exit_code(holder);
  held.close();
  std::this_thread::sleep_for(listener_pause);

  auto ch = sc::accept_from(l, waiter);
  check_echo(ch);
  ch.close();
  CHECK(sc::exit_code(waiter) == 0);
}

}  // namespace

TEST_CASE("C5.all_instances_busy_is_pipe_busy_then_timed_out", "[C5][no-tcp][no-unix][no-spawn]") {
  asio::io_context io;
  auto l = listen_one_instance(io);
  auto holder = sc::start_peer("idle", l.endpoint());
  auto held = sc::accept_from(l, holder);

  std::error_code ec;
  auto refused = strait::connect(io, l.endpoint(), ec);
  CHECK(ec == errc::pipe_busy);
  CHECK_FALSE(refused.is_open());

  strait::connect_options wait_a_little;
  wait_a_little.timeout = std::chrono::milliseconds(300);
  strait::connect(io, l.endpoint(), wait_a_little, ec);
  CHECK(ec == errc::timed_out);

  // The instance frees when its client is gone and the server closes its end.
  holder.kill();
  sc::exit_code(holder);
  held.close();
  auto next = sc::start_peer("echo", l.endpoint());
  auto ch = sc::accept_from(l, next);
  check_echo(ch);
  CHECK(ch.peer().pid == next.pid());
  ch.close();
  CHECK(sc::exit_code(next) == 0);
}

TEST_CASE("C5.connect_with_timeout_waits_for_an_instance_to_free", "[C5][no-tcp][no-unix][no-spawn]") {
  check_waiter_gets_the_freed_instance(std::chrono::milliseconds(0));
}

// A listener that takes its time before it makes the next instance (a
// loaded machine, or a server busy elsewhere): the waiting client goes on
// waiting through the moment with no instance at all, rather than taking it
// for a server gone.
TEST_CASE("C5.connect_with_timeout_waits_through_a_slow_listener", "[C5][no-tcp][no-unix][no-spawn]") {
  check_waiter_gets_the_freed_instance(std::chrono::seconds(3));
}
