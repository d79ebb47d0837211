// A peer that shares a named_mutex writes whatever it likes into the mutex's
// shared state (S6). The other process must never crash, hang or write
// outside the state because of it, and the state must hold nothing that tells
// the peer where the other process's memory is; S3 (abandoned) is covered by
// shm.S3.*. The hostile or victim end runs in strait_named_mutex_scribble_peer.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"
#include "named_objects.hpp"
#include "shm_region.hpp"

namespace {

using namespace std::chrono_literals;
using strait::errc;

// Bounds that only mean "did not hang".
constexpr auto exit_timeout = 60s;
constexpr auto wait_bound = 20s;

strait::test::child_process start_peer(const std::string& role,
                                       const std::vector<std::string>& args) {
  return strait::test::start_beside("strait_named_mutex_scribble_peer", role, args);
}

// The mutex's shared state, mapped as any process of the same user can.
strait::detail::shm_region map_state(const std::string& mutex_name) {
  std::error_code ec;
  auto region = strait::detail::shm_region::open(strait::detail::kind_mutex, mutex_name,
                                                  strait::detail::open_mode::open, 0, {}, ec);
  REQUIRE(region);
  return std::move(*region);
}

}  // namespace

TEST_CASE("named_mutex_scribbled_state_random_bytes_never_crash", "[security][S6][S3]") {
  auto mutex = strait::named_mutex::create(strait::test::unique_name("scribbled"));
  auto peer = start_peer("scribble", {mutex.name(), "1500", "12"});

  // Two threads, each with its own handle, lock and unlock while the peer
  // scribbles, so that both the uncontended path and the sleeping one meet
  // its bytes. Every wait is bounded and any error is allowed: what is
  // checked is that this process survives and returns.
  struct tally {
    unsigned rounds = 0, locked = 0, errors = 0;
  };
  std::atomic<bool> stop{false};
  const auto hammer = [&stop](strait::named_mutex& handle, tally& t, const auto& done) {
    while (!done() && t.rounds < 2'000'000) {
      std::error_code ec;
      if (handle.try_lock_for(5ms, ec)) {
        ++t.locked;
        handle.unlock(ec);
      }
      if (ec) ++t.errors;
      ++t.rounds;
    }
    stop = true;
  };
  tally mine, other;
  std::thread second([&] {
    auto handle = strait::named_mutex::open(mutex.name());
    hammer(handle, other, [&stop] { return stop.load(); });
  });
  std::optional<int> peer_exit;
  hammer(mutex, mine, [&] { return stop.load() || (peer_exit = peer.wait(0ms)).has_value(); });
  second.join();
  if (!peer_exit) peer_exit = strait::test::exit_code_within(peer, exit_timeout);
  INFO("rounds " << mine.rounds << " + " << other.rounds << ", locked " << mine.locked << " + "
                 << other.locked << ", errors " << mine.errors << " + " << other.errors);
  CHECK(*peer_exit == 0);
  CHECK(mine.rounds > 0);
  CHECK(other.rounds > 0);

  // Whatever the peer left behind, no live process owns the mutex: a bounded
  // lock takes it (possibly as abandoned) instead of waiting forever.
  std::error_code ec;
  CHECK(mutex.try_lock_for(wait_bound, ec));
  CHECK((!ec || ec == errc::abandoned));
  mutex.unlock(ec);
  CHECK_FALSE(ec);
}

// A peer rewrites the tag of our owning thread's id, so that the owner word
// names this process but no thread it ever had. The word outlives the peer,
// and no unlock of ours can clear it: a lock must see that no thread of this
// process owns the mutex and take it, rather than wait for one forever. (The
// random scribbler above leaves such a word now and then.)
TEST_CASE("named_mutex_scribbled_state_owner_naming_no_thread_of_ours_is_abandoned",
          "[security][S6][S3]") {
  auto mutex = strait::named_mutex::create(strait::test::unique_name("retagged"));
  mutex.lock();
  auto peer = start_peer("retag", {mutex.name()});
  CHECK(strait::test::exit_code_within(peer, exit_timeout) == 0);
  std::error_code ec;
  mutex.unlock(ec);
  CHECK(ec == errc::access_denied);  // the word no longer names this thread

  std::thread([&] {
    std::error_code lock_ec;
    auto handle = strait::named_mutex::open(mutex.name());
    CHECK(handle.try_lock_for(wait_bound, lock_ec));
    CHECK(lock_ec == errc::abandoned);
    handle.unlock(lock_ec);
    CHECK_FALSE(lock_ec);
  }).join();
  CHECK(mutex.try_lock_for(wait_bound, ec));
  CHECK_FALSE(ec);
}

TEST_CASE("named_mutex_scribbled_state_planted_address_is_never_written",
          "[security][S6][S3]") {
  auto mutex = strait::named_mutex::create(strait::test::unique_name("planted"));
  auto addrs = strait::shared_memory::create(strait::test::unique_name("planted-addrs"),
                                             3 * sizeof(std::uint64_t));
  auto ready = strait::named_event::create(strait::test::unique_name("planted-ready"));
  auto go = strait::named_event::create(strait::test::unique_name("planted-go"));
  auto victim =
      start_peer("hold-until-go", {mutex.name(), addrs.name(), ready.name(), go.name()});
  REQUIRE(ready.wait_for(wait_bound));

  std::uint64_t victim_addresses[3];
  std::memcpy(victim_addresses, addrs.data(), sizeof victim_addresses);
  auto state = map_state(mutex.name());
  auto* words = static_cast<unsigned char*>(state.payload());
  const std::size_t word_count = state.payload_size() / sizeof(std::uint64_t);
  REQUIRE(word_count > 0);

  // While the victim holds the lock, no word of the state points near its
  // thread-local data, stack or heap (glibc's robust mutex kept a pointer
  // into the owner thread's descriptor here).
  constexpr std::uint64_t window = 16u << 20;
  const auto near_victim = [&](std::uint64_t v) {
    for (const auto a : victim_addresses)
      if (v - (a - window) < 2 * window) return true;
    return false;
  };
  std::vector<std::size_t> leaked;
  for (std::size_t i = 0; i < word_count; ++i) {
    std::uint64_t v;
    std::memcpy(&v, words + i * sizeof v, sizeof v);
    if (near_victim(v)) leaked.push_back(i);
  }
  CHECK(leaked.empty());

  // An address of the peer's choosing where the victim kept an address (or
  // everywhere, if it kept none); the victim then unlocks. Following such a
  // value would write at 0x4141414141414141 and kill it.
  constexpr std::uint64_t planted = 0x4141414141414141;
  for (std::size_t i = 0; i < word_count; ++i) {
    if (!leaked.empty() && std::find(leaked.begin(), leaked.end(), i) == leaked.end()) continue;
    std::memcpy(words + i * sizeof planted, &planted, sizeof planted);
  }
  go.set();
  CHECK(strait::test::exit_code_within(victim, exit_timeout) == 0);
}
