// Waiting on a 32-bit word in shared memory, STRAIT_POSIX_SYNC=futex: the one
// place the named objects and the shm:// connection memory touch the OS to
// sleep. Linux futexes (shared, not FUTEX_PRIVATE: the word lives in memory several processes
// map). wait_portable.hpp is the same interface for systems without them;
// wait_word.hpp (generated) includes one of the two.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>

#include "backend.hpp"

namespace strait::detail::wait_word {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
              std::atomic<std::uint32_t>::is_always_lock_free);

inline std::uint32_t* address(std::atomic<std::uint32_t>& word) noexcept {
  return reinterpret_cast<std::uint32_t*>(&word);
}

// Sleeps while `word` holds `expected`, at most until `until` (steady clock).
// Returns false when the deadline has passed; true on a wake-up, a changed
// value or a signal: callers re-check their condition either way.
inline bool wait(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                 deadline until) noexcept {
  timespec relative{};
  timespec* timeout = nullptr;
  if (until != no_deadline) {
    // FUTEX_WAIT's timeout is relative and measured on CLOCK_MONOTONIC.
    const auto left = until - clock::now();
    if (left <= clock::duration::zero()) return false;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    relative.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    relative.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    timeout = &relative;
  }
  ::syscall(SYS_futex, address(word), FUTEX_WAIT, expected, timeout, nullptr, 0);
  return until == no_deadline || clock::now() < until;
}

// Wakes up to `count` threads sleeping on `word`, in any process.
inline void wake(std::atomic<std::uint32_t>& word, std::uint32_t count) noexcept {
  const int n = count > static_cast<std::uint32_t>(INT_MAX) ? INT_MAX : static_cast<int>(count);
  ::syscall(SYS_futex, address(word), FUTEX_WAKE, n, nullptr, nullptr, 0);
}

}  // namespace strait::detail::wait_word
