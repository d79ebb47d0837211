// strait_named_mutex_scribble_peer ROLE ARGS...: the other process of
// tests/security/named_mutex_scribble_test.cpp, a hostile or a victim peer of
// one named_mutex (S3, S6).
//
// Roles:
//   scribble MUTEX MILLIS SEED   maps the mutex's shared state the way the
//                                library does (same shm name) and writes
//                                random bytes over all of it for MILLIS ms
//   retag MUTEX                  flips the top bit of the owner's thread tag
//                                (the high half of the state's first word),
//                                leaving its pid: the word then names the
//                                owner's process but none of its threads
//   hold-until-go MUTEX ADDRS READY GO
//                                locks the mutex, writes three addresses of
//                                its own (a thread_local, a stack and a heap
//                                object) into the shared_memory ADDRS, sets
//                                READY, waits for GO, then unlocks and locks
//                                once more, accepting any error
// Exit code 0 when the role ran to its end (whatever errors the mutex gave);
// 1 when it could not start; a crash shows as 128 + signal.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <strait/strait.hpp>

#include "named_objects.hpp"
#include "shm_region.hpp"

namespace {

using namespace std::chrono_literals;

constexpr auto wait_bound = 30s;  // longer than the test's own bounds

int fail(const std::string& why) {
  std::fprintf(stderr, "strait_named_mutex_scribble_peer: %s\n", why.c_str());
  return 1;
}

int scribble(const std::string& name, std::chrono::milliseconds how_long, std::uint64_t seed) {
  std::error_code ec;
  auto region = strait::detail::shm_region::open(strait::detail::kind_mutex, name,
                                                  strait::detail::open_mode::open, 0, {}, ec);
  if (!region) return fail("cannot map the mutex state: " + ec.message());
  auto* state = static_cast<unsigned char*>(region->payload());
  const std::size_t size = region->payload_size();
  std::mt19937_64 random(seed);
  const auto end = std::chrono::steady_clock::now() + how_long;
  for (unsigned round = 0; std::chrono::steady_clock::now() < end; ++round) {
    // A few bytes at a time and whole words, so that both torn and
    // plausible-looking values land in the state.
    const auto at = static_cast<std::size_t>(random() % size);
    const auto value = random();
    const std::size_t n = std::min<std::size_t>(size - at, 1 + random() % 8);
    std::memcpy(state + at, &value, n);
    if (round % 64 == 0) std::this_thread::yield();
  }
  return 0;
}

int retag(const std::string& name) {
  std::error_code ec;
  auto region = strait::detail::shm_region::open(strait::detail::kind_mutex, name,
                                                  strait::detail::open_mode::open, 0, {}, ec);
  if (!region) return fail("cannot map the mutex state: " + ec.message());
  if (region->payload_size() < sizeof(std::uint64_t)) return fail("no owner word");
  auto* top = static_cast<unsigned char*>(region->payload()) + sizeof(std::uint64_t) - 1;
  *top ^= 0x80;  // little-endian: the tag's top bit
  return 0;
}

thread_local std::uint64_t thread_marker = 1;

int hold_until_go(const std::string& mutex_name, const std::string& addrs_name,
                  const std::string& ready_name, const std::string& go_name) {
  auto mutex = strait::named_mutex::open(mutex_name);
  auto addrs = strait::shared_memory::open(addrs_name);
  auto ready = strait::named_event::open(ready_name);
  auto go = strait::named_event::open(go_name);
  if (addrs.size() < 3 * sizeof(std::uint64_t)) return fail("ADDRS too small");
  if (!mutex.try_lock_for(wait_bound)) return fail("cannot lock the mutex");

  std::uint64_t on_stack = 2;
  const auto on_heap = std::make_unique<std::uint64_t>(3);
  const std::uint64_t where[3] = {reinterpret_cast<std::uintptr_t>(&thread_marker),
                                  reinterpret_cast<std::uintptr_t>(&on_stack),
                                  reinterpret_cast<std::uintptr_t>(on_heap.get())};
  std::memcpy(addrs.data(), where, sizeof where);
  ready.set();
  if (!go.wait_for(wait_bound)) return fail("GO never came");

  std::error_code ec;
  mutex.unlock(ec);  // whatever the peer left, this must not write elsewhere
  std::fprintf(stderr, "strait_named_mutex_scribble_peer: unlock: %s\n", ec.message().c_str());
  if (mutex.try_lock_for(1s, ec)) mutex.unlock(ec);
  std::fprintf(stderr, "strait_named_mutex_scribble_peer: lock again: %s\n",
               ec.message().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  try {
    if (a.size() == 4 && a[0] == "scribble")
      return scribble(a[1], std::chrono::milliseconds(std::stoll(a[2])), std::stoull(a[3]));
    if (a.size() == 2 && a[0] == "retag") return retag(a[1]);
    if (a.size() == 5 && a[0] == "hold-until-go") return hold_until_go(a[1], a[2], a[3], a[4]);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  return fail("usage: scribble MUTEX MILLIS SEED | retag MUTEX | hold-until-go MUTEX ADDRS READY GO");
}
