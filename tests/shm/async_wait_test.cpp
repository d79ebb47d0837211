// Asynchronous waits on named events and semaphores (S4, S5): async_wait,
// async_acquire, cancel() and close() on an io_context, against another
// process (strait_shm_peer) that sets, releases or waits synchronously.
#include <chrono>
#include <future>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <asio/use_future.hpp>
#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"
#include "peer.hpp"

namespace {

using namespace strait::shm_test;

using namespace std::chrono_literals;
using strait::errc;
using result_t = std::optional<std::error_code>;

std::string fresh(const char* what) {
  return strait::test::unique_name(std::string("async-") + what);
}

strait::semaphore_options counting(std::uint32_t initial, std::uint32_t maximum) {
  strait::semaphore_options o;
  o.initial_count = initial;
  o.maximum_count = maximum;
  return o;
}

// A handler that records its result.
auto record(result_t& into) {
  return [&into](std::error_code ec) { into = ec; };
}

// Runs `io` until `done()` holds or the bound passes; says whether it holds.
template <class Done>
bool run_until(asio::io_context& io, Done done) {
  const auto until = std::chrono::steady_clock::now() + wait_bound;
  while (!done() && std::chrono::steady_clock::now() < until) {
    io.restart();
    io.run_for(10ms);
  }
  return done();
}

bool has_value(const result_t& r) { return r.has_value(); }

// Runs `io` for a while: pending waits that should stay pending get a chance
// to complete wrongly.
void run_a_while(asio::io_context& io) {
  io.restart();
  io.run_for(300ms);
}

}  // namespace

// ---- named_event --------------------------------------------------------------

TEST_CASE("S4.async_wait_completes_when_another_process_sets", "[S4][async]") {
  asio::io_context io;
  auto event = strait::named_event::create(fresh("s4"));
  result_t result;
  event.async_wait(io, record(result));
  CHECK_FALSE(result);  // never from inside the call

  auto peer = start_peer("set-event", {event.name(), "200"});
  REQUIRE(run_until(io, [&] { return has_value(result); }));
  CHECK_FALSE(*result);
  CHECK(exit_code(peer) == 0);
  CHECK_FALSE(event.wait_for(0ns));  // the automatic event was taken by the async wait
}

TEST_CASE("S4.one_set_wakes_the_async_or_the_sync_waiter_not_both", "[S4][async]") {
  asio::io_context io;
  auto event = strait::named_event::create(fresh("s4"));
  auto ready = strait::named_semaphore::create(fresh("ready"), counting(0, 1));
  result_t result;
  event.async_wait(io, record(result));
  auto peer = start_peer("wait-event", {event.name(), ready.name(), "30000"});
  REQUIRE(ready.try_acquire_for(wait_bound));

  event.set();
  std::optional<int> peer_code;
  const auto until = std::chrono::steady_clock::now() + exit_timeout;
  while (!result && !peer_code && std::chrono::steady_clock::now() < until) {
    io.restart();
    io.run_for(10ms);
    if (!result) peer_code = peer.wait(10ms);
  }
  REQUIRE((result || peer_code));

  if (result) {  // ours took it: the peer still waits
    CHECK_FALSE(*result);
    CHECK_FALSE(peer.wait(300ms).has_value());
    event.set();
    CHECK(exit_code(peer) == 0);
  } else {  // the peer took it: ours still waits
    CHECK(*peer_code == 0);
    run_a_while(io);
    CHECK_FALSE(result);
    event.set();
    REQUIRE(run_until(io, [&] { return has_value(result); }));
    CHECK_FALSE(*result);
  }
  CHECK_FALSE(event.wait_for(0ns));  // two sets, two waiters, nothing left
}

TEST_CASE("S4.two_async_waits_one_set_one_wakes", "[S4][async]") {
  asio::io_context io;
  auto event = strait::named_event::create(fresh("s4"));
  result_t first, second;
  event.async_wait(io, record(first));
  event.async_wait(io, record(second));

  auto peer = start_peer("set-event", {event.name(), "0"});
  CHECK(exit_code(peer) == 0);
  REQUIRE(run_until(io, [&] { return first || second; }));
  run_a_while(io);
  CHECK(first.has_value() != second.has_value());  // exactly one
  CHECK_FALSE(first.value_or(second.value_or(std::error_code{})));

  event.set();
  REQUIRE(run_until(io, [&] { return first && second; }));
  CHECK_FALSE(*first);
  CHECK_FALSE(*second);
}

TEST_CASE("S4.async_wait_on_a_manual_event_leaves_it_set", "[S4][async]") {
  asio::io_context io;
  strait::event_options manual;
  manual.reset = strait::event_reset::manual;
  auto event = strait::named_event::create(fresh("s4"), manual);
  result_t first, second;
  event.async_wait(io, record(first));
  event.async_wait(io, record(second));

  auto peer = start_peer("set-event", {event.name(), "0"});
  CHECK(exit_code(peer) == 0);
  REQUIRE(run_until(io, [&] { return first && second; }));  // every waiter wakes
  CHECK_FALSE(*first);
  CHECK_FALSE(*second);
  CHECK(event.wait_for(0ns));  // and it stays set
}

TEST_CASE("S4.cancelled_async_wait_takes_no_later_set", "[S4][async]") {
  asio::io_context io;
  auto event = strait::named_event::create(fresh("s4"));
  result_t result;
  event.async_wait(io, record(result));
  run_a_while(io);
  CHECK_FALSE(result);  // nothing set yet

  event.cancel();
  REQUIRE(run_until(io, [&] { return has_value(result); }));
  CHECK(*result == errc::operation_aborted);

  auto peer = start_peer("set-event", {event.name(), "0"});
  CHECK(exit_code(peer) == 0);
  CHECK(event.wait_for(0ns));  // the set made after cancel is still there
  CHECK_FALSE(event.wait_for(0ns));
}

TEST_CASE("S4.set_right_after_cancel_stays_for_the_next_waiter", "[S4][async]") {
  // cancel() and set() before the wait's thread has looked at the event:
  // after cancel() returns, the wait takes nothing.
  asio::io_context io;
  auto event = strait::named_event::create(fresh("s4"));
  for (int round = 0; round < 20; ++round) {
    result_t result;
    event.async_wait(io, record(result));
    event.cancel();
    event.set();
    REQUIRE(run_until(io, [&] { return has_value(result); }));
    CHECK(*result == errc::operation_aborted);
    CHECK(event.wait_for(0ns));
  }
}

TEST_CASE("S4.cancel_after_the_set_was_taken_is_too_late", "[S4][async]") {
  asio::io_context io;
  auto event = strait::named_event::create(fresh("s4"));
  result_t result;
  event.async_wait(io, record(result));
  auto peer = start_peer("set-event", {event.name(), "0"});
  CHECK(exit_code(peer) == 0);
  REQUIRE(run_until(io, [&] { return has_value(result); }));
  event.cancel();
  CHECK_FALSE(*result);
  CHECK_FALSE(event.wait_for(0ns));
}

TEST_CASE("S4.close_with_a_pending_async_wait_aborts_it", "[S4][async]") {
  asio::io_context io;
  result_t closed, destroyed;
  auto event = strait::named_event::create(fresh("s4"));
  event.async_wait(io, record(closed));
  {
    auto other = strait::named_event::open(event.name());
    other.async_wait(io, record(destroyed));
  }  // the destructor cancels too
  run_a_while(io);
  event.close();
  REQUIRE(run_until(io, [&] { return closed && destroyed; }));
  CHECK(*closed == errc::operation_aborted);
  CHECK(*destroyed == errc::operation_aborted);
}

TEST_CASE("S4.async_wait_on_a_closed_event_fails", "[S4][async]") {
  asio::io_context io;
  strait::named_event event;
  result_t result;
  event.async_wait(io.get_executor(), record(result));
  CHECK_FALSE(result);
  REQUIRE(run_until(io, [&] { return has_value(result); }));
  CHECK(*result == errc::invalid_argument);
}

TEST_CASE("S4.async_wait_takes_any_completion_token", "[S4][async]") {
  asio::io_context io;
  auto event = strait::named_event::create(fresh("s4"));
  auto waited = event.async_wait(io, asio::use_future);
  auto peer = start_peer("set-event", {event.name(), "0"});
  CHECK(exit_code(peer) == 0);
  REQUIRE(run_until(io, [&] { return waited.wait_for(0s) == std::future_status::ready; }));
  CHECK_NOTHROW(waited.get());
}

// ---- named_semaphore ----------------------------------------------------------

TEST_CASE("S5.async_acquire_completes_when_another_process_releases", "[S5][async]") {
  asio::io_context io;
  auto semaphore = strait::named_semaphore::create(fresh("s5"), counting(0, 1));
  result_t result;
  semaphore.async_acquire(io, record(result));
  CHECK_FALSE(result);

  auto peer = start_peer("release-semaphore", {semaphore.name(), "1"});
  CHECK(exit_code(peer) == 0);
  REQUIRE(run_until(io, [&] { return has_value(result); }));
  CHECK_FALSE(*result);
  CHECK_FALSE(semaphore.try_acquire());  // the async acquire took the count
}

TEST_CASE("S5.n_releases_complete_n_async_acquires", "[S5][async]") {
  asio::io_context io;
  constexpr int n = 3;
  auto semaphore = strait::named_semaphore::create(fresh("s5"), counting(0, n));
  std::vector<result_t> results(n + 1);
  for (auto& r : results) semaphore.async_acquire(io, record(r));
  const auto completed = [&] {
    int k = 0;
    for (const auto& r : results) k += r.has_value();
    return k;
  };

  auto peer = start_peer("release-semaphore", {semaphore.name(), std::to_string(n)});
  CHECK(exit_code(peer) == 0);
  REQUIRE(run_until(io, [&] { return completed() == n; }));
  run_a_while(io);
  CHECK(completed() == n);  // one more acquire than releases: it still waits
  for (const auto& r : results)
    if (r) CHECK_FALSE(*r);

  semaphore.cancel();
  REQUIRE(run_until(io, [&] { return completed() == n + 1; }));
  int aborted = 0;
  for (const auto& r : results) aborted += (*r == errc::operation_aborted);
  CHECK(aborted == 1);
  CHECK_FALSE(semaphore.try_acquire());  // n released, n taken
}

TEST_CASE("S5.cancelled_async_acquire_takes_no_count", "[S5][async]") {
  asio::io_context io;
  auto semaphore = strait::named_semaphore::create(fresh("s5"), counting(0, 2));
  result_t result;
  semaphore.async_acquire(io, record(result));
  run_a_while(io);
  CHECK_FALSE(result);

  semaphore.cancel();
  REQUIRE(run_until(io, [&] { return has_value(result); }));
  CHECK(*result == errc::operation_aborted);

  auto peer = start_peer("release-semaphore", {semaphore.name(), "1"});
  CHECK(exit_code(peer) == 0);
  CHECK(semaphore.try_acquire());  // released after the cancel: still there
  CHECK_FALSE(semaphore.try_acquire());

  // Cancel and release before the wait's thread looked: nothing taken either.
  result_t quick;
  semaphore.async_acquire(io, record(quick));
  semaphore.cancel();
  semaphore.release();
  REQUIRE(run_until(io, [&] { return has_value(quick); }));
  CHECK(*quick == errc::operation_aborted);
  CHECK(semaphore.try_acquire());
}

TEST_CASE("S5.close_with_a_pending_async_acquire_aborts_it", "[S5][async]") {
  asio::io_context io;
  auto semaphore = strait::named_semaphore::create(fresh("s5"), counting(0, 1));
  result_t result;
  semaphore.async_acquire(io, record(result));
  run_a_while(io);
  semaphore.close();
  REQUIRE(run_until(io, [&] { return has_value(result); }));
  CHECK(*result == errc::operation_aborted);
}
