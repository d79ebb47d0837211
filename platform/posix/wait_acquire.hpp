// The acquire loop of named_event and named_semaphore on POSIX, run by a
// synchronous wait and by the thread of an asynchronous one (async_waits).
//
// Waiters sleep on a `wakes` word beside the state, not on the state itself:
// every set, release and interrupt adds one to it before waking. A waiter
// reads `wakes`, looks at the state, then sleeps only while `wakes` still
// holds what it read, so it misses none of them -- an interrupt included,
// which changes no shared state, only this process's cancel flag.
#pragma once

#include <atomic>
#include <climits>
#include <cstdint>
#include <mutex>
#include <system_error>

#include "async_waits.hpp"
#include "wait_word.hpp"

namespace strait::detail {

// What cancel() tells one asynchronous wait. The mutex orders the request
// against the waiter's take: once interrupt() has returned, the wait takes
// nothing, so a set or a count that comes later stays for others (S4, S5).
struct wait_cancel {
  std::mutex mutex;
  bool requested = false;
};

// Wakes the sleepers of `wakes` after the state changed (or to interrupt).
inline void announce(std::atomic<std::uint32_t>& wakes, std::uint32_t sleepers) noexcept {
  wakes.fetch_add(1);
  wait_word::wake(wakes, sleepers);
}

// Waits until `take()` succeeds (it takes the set or one count and says
// true), `until` passes (timed_out) or `cancel` is requested
// (operation_aborted). `available()` says whether a signal is there for
// someone else: a set or release wakes only as many sleepers as it gives
// signals (one for an automatic event, S4), so a sleeper that leaves without
// taking wakes the next one in its place.
template <class Take, class Available>
std::error_code acquire(std::atomic<std::uint32_t>& wakes, deadline until, wait_cancel* cancel,
                        Take take, Available available) {
  const auto leave = [&](errc why) {
    if (available()) announce(wakes, 1);
    return make_error_code(why);
  };
  for (;;) {
    const std::uint32_t seen = wakes.load();  // before looking at the state
    if (cancel) {
      std::lock_guard lock(cancel->mutex);
      if (cancel->requested) return leave(errc::operation_aborted);
      if (take()) return {};
    } else if (take()) {
      return {};
    }
    if (!wait_word::wait(wakes, seen, until)) return leave(errc::timed_out);
  }
}

// One asynchronous wait of `Object`, which has acquire(deadline,
// wait_cancel*) and the `wakes` word it sleeps on.
template <class Object>
class word_async_wait final : public async_waits::wait {
 public:
  explicit word_async_wait(Object& object) noexcept : object_(object) {}

  std::error_code run() override { return object_.acquire(no_deadline, &cancel_); }

  void interrupt() noexcept override {
    {
      std::lock_guard lock(cancel_.mutex);
      cancel_.requested = true;
    }
    // Every sleeper of the word wakes, in every process: ours cannot be
    // singled out. The others find nothing changed and sleep again.
    announce(object_.wakes(), INT_MAX);
  }

 private:
  Object& object_;
  wait_cancel cancel_;
};

}  // namespace strait::detail
