// Waiting on a 32-bit word in shared memory, STRAIT_POSIX_SYNC=portable: the
// same interface as futex_linux.hpp for POSIX systems without a shared futex
// (macOS, the BSDs). Waiters poll: a short spin, then sleeps that double from
// a few microseconds up to 1 ms while the word still holds what they expect.
// wake() is therefore a no-op; a change is seen at the next poll, so it is
// never missed, only noticed late -- up to about 1 ms after a waiter has
// slept a while (docs/shared-memory.md, "Portable synchronization").
//
// macOS could sleep in the kernel instead (os_sync_wait_on_address, or the
// private __ulock_wait before macOS 14); that would be a third file.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "backend.hpp"

namespace strait::detail {

// Spins, then sleeps ever longer, never past `until` (steady clock). One per
// wait; the first sleep comes after `spins` polls.
class poll_backoff {
 public:
  explicit poll_backoff(deadline until) noexcept : until_(until) {}

  // Waits before the next poll. False once `until` has passed.
  bool pause() noexcept {
    if (spins_left_ > 0) {
      --spins_left_;
      std::this_thread::yield();
      return until_ == no_deadline || clock::now() < until_;
    }
    const auto now = clock::now();
    if (until_ != no_deadline && now >= until_) return false;
    auto nap = std::chrono::duration_cast<clock::duration>(sleep_);
    if (until_ != no_deadline) nap = std::min(nap, until_ - now);
    std::this_thread::sleep_for(nap);
    sleep_ = std::min(sleep_ * 2, longest_sleep);
    return true;
  }

 private:
  static constexpr int spins = 64;
  static constexpr std::chrono::microseconds first_sleep{4};
  static constexpr std::chrono::microseconds longest_sleep{1000};

  deadline until_;
  int spins_left_ = spins;
  std::chrono::microseconds sleep_ = first_sleep;
};

namespace wait_word {

// Polls while `word` holds `expected`, at most until `until` (steady clock).
// Returns false when the deadline has passed; true once the value changed:
// callers re-check their condition either way, as with a futex.
inline bool wait(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                 deadline until) noexcept {
  poll_backoff backoff(until);
  while (word.load(std::memory_order_acquire) == expected) {
    if (!backoff.pause()) return false;
  }
  return until == no_deadline || clock::now() < until;
}

// Nothing sleeps in the kernel: waiters see the change at their next poll.
inline void wake(std::atomic<std::uint32_t>& /*word*/, std::uint32_t /*count*/) noexcept {}

}  // namespace wait_word
}  // namespace strait::detail
