// Shared memory and named synchronization objects (S1-S5, N1), every case
// across two processes: this test and strait_shm_peer, started beside it.
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"
#include "peer.hpp"
#include "pattern.hpp"
#include "privileges.hpp"

namespace {

using namespace strait::shm_test;

using namespace std::chrono_literals;
using strait::errc;

std::string fresh(const char* what) { return strait::test::unique_name(std::string("shm-") + what); }

int code(errc e) { return static_cast<int>(e); }

strait::event_options manual_event() {
  strait::event_options o;
  o.reset = strait::event_reset::manual;
  return o;
}

strait::semaphore_options counting(std::uint32_t initial, std::uint32_t maximum) {
  strait::semaphore_options o;
  o.initial_count = initial;
  o.maximum_count = maximum;
  return o;
}

}  // namespace

// ---- S1 ---------------------------------------------------------------------

TEST_CASE("S1.region_seen_byte_for_byte", "[S1]") {
  const auto name = fresh("s1");
  constexpr std::size_t size = 64 * 1024 + 13;  // not a page multiple
  auto region = strait::shared_memory::create(name, size);
  REQUIRE(region.size() == size);
  CHECK(region.created());
  CHECK(region.name() == name);
  CHECK(reinterpret_cast<std::uintptr_t>(region.data()) % 64 == 0);
  strait::test::fill_pattern(region.data(), size, 7);

  auto peer = start_peer("check-region", {name, std::to_string(size), "7"});
  REQUIRE(exit_code(peer) == 0);
  CHECK(strait::test::check_pattern(region.data(), size, 8) == std::nullopt);
}

TEST_CASE("S1.create_existing_fails_already_exists", "[S1]") {
  const auto name = fresh("s1");
  auto region = strait::shared_memory::create(name, 100);

  std::error_code ec;
  auto again = strait::shared_memory::create(name, 100, {}, ec);
  CHECK(ec == errc::already_exists);
  CHECK_FALSE(again.is_open());

  auto create = start_peer("create-region", {name, "100"});
  CHECK(exit_code(create) == code(errc::already_exists));
  auto either = start_peer("create-or-open", {name, "100"});
  CHECK(exit_code(either) == 11);  // opened, not created
  auto larger = start_peer("create-or-open", {name, "101"});
  CHECK(exit_code(larger) == code(errc::invalid_argument));
}

TEST_CASE("S1.open_missing_fails_not_found", "[S1]") {
  const auto name = fresh("s1");
  auto open = start_peer("open-region", {name});
  CHECK(exit_code(open) == code(errc::not_found));
  std::error_code ec;
  strait::shared_memory::open(name, {}, ec);
  CHECK(ec == errc::not_found);
  auto either = start_peer("create-or-open", {name, "100"});
  CHECK(exit_code(either) == 10);  // created (and gone again when it exited)
}

TEST_CASE("S1.region_starts_zeroed", "[S1]") {
  auto region = strait::shared_memory::create(fresh("s1"), 4096);
  for (std::size_t i = 0; i < region.size(); ++i) REQUIRE(region.data()[i] == std::byte{0});
}

// ---- S2 ---------------------------------------------------------------------

TEST_CASE("S2.region_gone_after_last_close", "[S2]") {
  const auto name = fresh("s2");
  auto ready = strait::named_event::create(fresh("ready"));
  auto done = strait::named_event::create(fresh("done"));
  auto region = strait::shared_memory::create(name, 1000);
  strait::test::fill_pattern(region.data(), region.size(), 3);

  auto peer = start_peer("hold-region", {name, "3", ready.name(), done.name()});
  REQUIRE(ready.wait_for(wait_bound));
  region.close();  // the creator goes; the peer's handle keeps the region

  {
    auto reopened = strait::shared_memory::open(name);
    CHECK(reopened.size() == 1000);
    CHECK(strait::test::check_pattern(reopened.data(), reopened.size(), 3) == std::nullopt);
  }
  done.set();
  REQUIRE(exit_code(peer) == 0);

  std::error_code ec;
  strait::shared_memory::open(name, {}, ec);
  CHECK(ec == errc::not_found);
}

TEST_CASE("S2.region_gone_after_creator_killed", "[S2]") {
  const auto name = fresh("s2");
  auto ready = strait::named_event::create(fresh("ready"));
  auto peer = start_peer("create-and-hang", {name, "5000", "9", ready.name()});
  REQUIRE(ready.wait_for(wait_bound));

  auto held = strait::shared_memory::open(name);
  peer.kill();
  REQUIRE(exit_code(peer) == strait::test::killed_exit_code);
  // Our handle keeps it alive and intact...
  CHECK(strait::test::check_pattern(held.data(), held.size(), 9) == std::nullopt);
  auto second = strait::shared_memory::open(name);
  CHECK(second.size() == 5000);
  second.close();
  held.close();
  // ...and with the last handle gone, so is the region: the crash counted as a close.
  std::error_code ec;
  strait::shared_memory::open(name, {}, ec);
  CHECK(ec == errc::not_found);

  // Killed while nobody else held it: the name is free for a fresh create.
  auto again = start_peer("create-and-hang", {name, "5000", "9", ready.name()});
  REQUIRE(ready.wait_for(wait_bound));
  again.kill();
  REQUIRE(exit_code(again) == strait::test::killed_exit_code);
  strait::shared_memory::open(name, {}, ec);
  CHECK(ec == errc::not_found);
  auto fresh_region = strait::shared_memory::create(name, 10, {}, ec);
  REQUIRE_FALSE(ec);
  CHECK(fresh_region.created());
  CHECK(fresh_region.size() == 10);
  CHECK(fresh_region.data()[0] == std::byte{0});
}

// ---- S3 ---------------------------------------------------------------------

TEST_CASE("S3.dead_owner_gives_abandoned", "[S3]") {
  auto mutex = strait::named_mutex::create(fresh("s3"));
  auto ready = strait::named_event::create(fresh("ready"));
  auto peer = start_peer("lock-and-hang", {mutex.name(), ready.name()});
  REQUIRE(ready.wait_for(wait_bound));

  CHECK_FALSE(mutex.try_lock());  // the peer owns it
  peer.kill();
  REQUIRE(exit_code(peer) == strait::test::killed_exit_code);

  std::error_code ec;
  CHECK(mutex.try_lock_for(wait_bound, ec));
  CHECK(ec == errc::abandoned);  // ...and we own it
  mutex.unlock(ec);
  CHECK_FALSE(ec);
  mutex.lock(ec);  // abandonment is reported once
  CHECK_FALSE(ec);
  mutex.unlock();
}

TEST_CASE("S3.sleeping_waiter_gets_abandoned_when_owner_dies", "[S3]") {
  auto mutex = strait::named_mutex::create(fresh("s3"));
  auto ready = strait::named_event::create(fresh("ready"));
  auto peer = start_peer("lock-and-hang", {mutex.name(), ready.name()});
  REQUIRE(ready.wait_for(wait_bound));

  // The waiter is (most likely) asleep when the owner dies: nothing wakes it
  // but its own look at the owner's liveness.
  bool locked = false;
  std::error_code ec;
  std::thread waiter([&] {
    auto same = strait::named_mutex::open(mutex.name());
    locked = same.try_lock_for(wait_bound, ec);
    if (locked) same.unlock();
  });
  std::this_thread::sleep_for(100ms);
  peer.kill();
  REQUIRE(exit_code(peer) == strait::test::killed_exit_code);
  waiter.join();
  CHECK(locked);
  CHECK(ec == errc::abandoned);
}

TEST_CASE("S3.thread_that_ends_holding_gives_abandoned", "[S3]") {
  auto mutex = strait::named_mutex::create(fresh("s3"));
  std::thread([&] { mutex.lock(); }).join();  // ends owning it

  auto peer = start_peer("lock-abandoned", {mutex.name()});
  CHECK(exit_code(peer) == 0);  // another process got abandoned and the lock
  std::error_code ec;
  CHECK(mutex.try_lock_for(wait_bound, ec));
  CHECK_FALSE(ec);  // reported once, to the peer
  mutex.unlock();
}

TEST_CASE("S3.lock_excludes_other_process", "[S3]") {
  auto mutex = strait::named_mutex::create(fresh("s3"));
  auto ready = strait::named_event::create(fresh("ready"));
  auto done = strait::named_event::create(fresh("done"));
  auto peer = start_peer("hold-lock", {mutex.name(), ready.name(), done.name()});
  REQUIRE(ready.wait_for(wait_bound));

  CHECK_FALSE(mutex.try_lock());
  std::error_code ec;
  CHECK_FALSE(mutex.try_lock_for(50ms, ec));
  CHECK(ec == errc::timed_out);
  mutex.unlock(ec);
  CHECK(ec == errc::access_denied);  // not the owner

  done.set();
  CHECK(mutex.try_lock_for(wait_bound, ec));
  CHECK_FALSE(ec);  // released properly: not abandoned
  CHECK(exit_code(peer) == 0);
  mutex.unlock();
}

TEST_CASE("S3.recursive_and_owned_by_one_thread", "[S3]") {
  auto mutex = strait::named_mutex::create(fresh("s3"));
  mutex.lock();
  mutex.lock();  // recursive, like a Windows mutex

  std::error_code other_unlock;
  bool other_locked = true;
  std::thread([&] {
    auto same = strait::named_mutex::open(mutex.name());
    other_locked = same.try_lock();
    same.unlock(other_unlock);
  }).join();
  CHECK_FALSE(other_locked);
  CHECK(other_unlock == errc::access_denied);  // another thread is not the owner

  mutex.unlock();
  std::thread([&] {
    auto same = strait::named_mutex::open(mutex.name());
    other_locked = same.try_lock();  // still held once
  }).join();
  CHECK_FALSE(other_locked);

  mutex.unlock();
  std::error_code ec;
  std::thread([&] {
    auto same = strait::named_mutex::open(mutex.name());
    other_locked = same.try_lock_for(wait_bound, ec);
    same.unlock();
  }).join();
  CHECK(other_locked);
  CHECK_FALSE(ec);
}

// ---- S4 ---------------------------------------------------------------------

TEST_CASE("S4.auto_reset_wakes_one_of_two", "[S4]") {
  auto event = strait::named_event::create(fresh("s4"));
  auto ready = strait::named_semaphore::create(fresh("ready"), counting(0, 2));
  auto first = start_peer("wait-event", {event.name(), ready.name(), "30000"});
  auto second = start_peer("wait-event", {event.name(), ready.name(), "30000"});
  REQUIRE(ready.try_acquire_for(wait_bound));
  REQUIRE(ready.try_acquire_for(wait_bound));

  event.set();
  // Whichever takes it exits; the set is then used up.
  std::optional<int> first_code, second_code;
  const auto until = std::chrono::steady_clock::now() + exit_timeout;
  while (!first_code && !second_code && std::chrono::steady_clock::now() < until) {
    first_code = first.wait(10ms);
    if (!first_code) second_code = second.wait(10ms);
  }
  REQUIRE((first_code || second_code));
  CHECK((first_code ? *first_code : *second_code) == 0);
  CHECK_FALSE(event.wait_for(0ns));  // exactly one waiter took it

  auto& other = first_code ? second : first;
  CHECK_FALSE(other.wait(300ms).has_value());  // the other still waits
  event.set();
  CHECK(exit_code(other) == 0);
  CHECK_FALSE(event.wait_for(0ns));
}

TEST_CASE("S4.manual_reset_stays_set", "[S4]") {
  auto event = strait::named_event::create(fresh("s4"), manual_event());
  auto ready = strait::named_semaphore::create(fresh("ready"), counting(0, 2));
  auto first = start_peer("wait-event", {event.name(), ready.name(), "30000"});
  auto second = start_peer("wait-event", {event.name(), ready.name(), "30000"});
  REQUIRE(ready.try_acquire_for(wait_bound));
  REQUIRE(ready.try_acquire_for(wait_bound));

  event.set();
  CHECK(exit_code(first) == 0);  // every waiter wakes
  CHECK(exit_code(second) == 0);
  CHECK(event.wait_for(0ns));  // and it stays set
  CHECK(event.wait_for(0ns));
  auto late = start_peer("wait-event", {event.name(), ready.name(), "30000"});
  CHECK(exit_code(late) == 0);

  event.reset();
  CHECK_FALSE(event.wait_for(0ns));
  auto after_reset = start_peer("wait-event", {event.name(), ready.name(), "50"});
  CHECK(exit_code(after_reset) == code(errc::timed_out));
}

TEST_CASE("S4.initially_set_and_open_keeps_the_mode", "[S4]") {
  auto options = manual_event();
  options.initially_set = true;
  const auto name = fresh("s4");
  auto event = strait::named_event::create(name, options);
  CHECK(event.created());
  auto opened = strait::named_event::create_or_open(name);  // automatic asked, manual kept
  CHECK_FALSE(opened.created());
  CHECK(opened.wait_for(0ns));
  CHECK(opened.wait_for(0ns));
  auto ready = strait::named_semaphore::create(fresh("ready"), counting(0, 1));
  auto peer = start_peer("wait-event", {name, ready.name(), "30000"});
  CHECK(exit_code(peer) == 0);
}

// ---- S5 ---------------------------------------------------------------------

TEST_CASE("S5.release_past_max_fails", "[S5]") {
  auto semaphore = strait::named_semaphore::create(fresh("s5"), counting(0, 2));
  auto peer = start_peer("release-semaphore", {semaphore.name(), "3"});
  CHECK(exit_code(peer) == code(errc::resource_exhausted));  // the third release

  CHECK(semaphore.try_acquire());
  CHECK(semaphore.try_acquire());
  CHECK_FALSE(semaphore.try_acquire());  // the failed release added nothing

  CHECK(semaphore.release(1) == 0);
  std::error_code ec;
  semaphore.release(2, ec);  // 1 + 2 > 2: all or nothing
  CHECK(ec == errc::resource_exhausted);
  CHECK(semaphore.try_acquire());
  CHECK_FALSE(semaphore.try_acquire());
}

TEST_CASE("S5.counts_checked_at_create", "[S5]") {
  std::error_code ec;
  strait::named_semaphore::create(fresh("s5"), counting(3, 2), ec);
  CHECK(ec == errc::invalid_argument);
  strait::named_semaphore::create(fresh("s5"), counting(0, 0), ec);
  CHECK(ec == errc::invalid_argument);
  strait::named_semaphore::create(fresh("s5"), counting(0, 0x80000000u), ec);
  CHECK(ec == errc::invalid_argument);
  auto semaphore = strait::named_semaphore::create(fresh("s5"), counting(0, 1), ec);
  REQUIRE_FALSE(ec);
  semaphore.release(0, ec);
  CHECK(ec == errc::invalid_argument);
}

// ---- timeouts -----------------------------------------------------------------

TEST_CASE("timeouts.event_wait_times_out", "[S4][timeout]") {
  auto event = strait::named_event::create(fresh("t"));
  auto ready = strait::named_semaphore::create(fresh("ready"), counting(0, 1));
  std::error_code ec;
  CHECK_FALSE(event.wait_for(20ms, ec));
  CHECK(ec == errc::timed_out);
  auto peer = start_peer("wait-event", {event.name(), ready.name(), "50"});
  CHECK(exit_code(peer) == code(errc::timed_out));
}

TEST_CASE("timeouts.semaphore_acquire_times_out", "[S5][timeout]") {
  auto semaphore = strait::named_semaphore::create(fresh("t"), counting(0, 1));
  std::error_code ec;
  CHECK_FALSE(semaphore.try_acquire_for(20ms, ec));
  CHECK(ec == errc::timed_out);
  auto peer = start_peer("release-semaphore", {semaphore.name(), "1"});
  CHECK(exit_code(peer) == 0);
  CHECK(semaphore.try_acquire_for(wait_bound, ec));
  CHECK_FALSE(ec);
}

// ---- N1 -----------------------------------------------------------------------

TEST_CASE("N1.invalid_names_rejected", "[N1]") {
  const std::vector<std::string> bad{"", ".hidden", "-dash", "a/b", "a\\b", "sp ace",
                                     std::string(129, 'x'), std::string("nul\0x", 5)};
  for (const auto& name : bad) {
    INFO("name: " << name);
    std::error_code ec;
    strait::shared_memory::create(name, 16, {}, ec);
    CHECK(ec == errc::invalid_name);
    strait::shared_memory::open(name, {}, ec);
    CHECK(ec == errc::invalid_name);
    strait::named_mutex::create(name, {}, ec);
    CHECK(ec == errc::invalid_name);
    strait::named_semaphore::open(name, {}, ec);
    CHECK(ec == errc::invalid_name);
    strait::named_event::create(name, {}, ec);
    CHECK(ec == errc::invalid_name);
  }
  auto peer = start_peer("invalid-name", {"a/b"});
  CHECK(exit_code(peer) == 0);
}

TEST_CASE("N1.longest_name_works_across_processes", "[N1]") {
  auto name = fresh("n1");
  name.insert(0, strait::max_name_length - name.size(), 'L');
  REQUIRE(name.size() == strait::max_name_length);
  auto region = strait::shared_memory::create(name, 256);
  strait::test::fill_pattern(region.data(), region.size(), 11);
  auto peer = start_peer("check-region", {name, "256", "11"});
  CHECK(exit_code(peer) == 0);
}

TEST_CASE("N2.global_scope_is_explicit", "[N2]") {
  const auto name = fresh("n2");
  strait::object_options global;
  global.scope = strait::object_scope::global;
  std::error_code ec;
  auto region = strait::shared_memory::create(name, 64, global, ec);
  if (ec && !strait::test::may_create_global_objects()) {
    // Windows without SeCreateGlobalPrivilege (not elevated, not a service).
    CHECK(ec == errc::access_denied);
    WARN("Global\\ objects need SeCreateGlobalPrivilege, which this process lacks: "
         "create() failed with access_denied, as documented; run elevated to test them");
    return;
  }
  REQUIRE_FALSE(ec);
  CHECK(region.created());
  auto again = strait::shared_memory::open(name, global, ec);
  CHECK_FALSE(ec);
}
