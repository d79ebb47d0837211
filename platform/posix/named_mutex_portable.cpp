// named_mutex on POSIX without robust pthread mutexes (STRAIT_POSIX_SYNC=
// portable: macOS, the BSDs): an owner word in a shm_region, taken with a
// compare-and-swap, recursive like a Windows mutex.
//
// The owner word holds the owner's pid (high half) and a tag that tells the
// threads of one process apart (low half); 0 is free. Only the owner writes
// the recursion count. A waiter polls (poll_backoff) and, once it sleeps
// between polls or its time is up, asks kill(pid, 0) whether the owner's
// process still exists: ESRCH means it
// died holding the lock, so the waiter swaps the dead owner for itself and
// reports abandoned with the lock held (S3), as the robust version does.
//
// Limits (docs/shared-memory.md, "Portable synchronization"): a thread that
// ends holding the lock while its process lives is not detected; a dead
// owner is seen only once its pid is gone (a zombie not yet reaped still
// counts as alive), and a pid reused by a new process makes the dead owner
// look alive; every waiter may poll up to 1 ms late.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <new>

#include "named_objects.hpp"
#include "shm_region.hpp"
#include "wait_portable.hpp"

namespace strait::detail {
namespace {

struct mutex_state {
  std::atomic<std::uint64_t> owner;      // 0: free
  std::atomic<std::uint32_t> recursion;  // written by the owner only
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free &&
              std::atomic<std::uint32_t>::is_always_lock_free);

using owner_id = std::uint64_t;

// This thread of this process. The pid is read on every call, not cached, so
// a forked child never passes for its parent.
owner_id this_owner() noexcept {
  static std::atomic<std::uint32_t> next_tag{1};
  thread_local const std::uint32_t tag = next_tag.fetch_add(1, std::memory_order_relaxed);
  return (static_cast<owner_id>(static_cast<std::uint32_t>(::getpid())) << 32) | tag;
}

bool owner_process_gone(owner_id owner) noexcept {
  const auto pid = static_cast<pid_t>(owner >> 32);
  // EPERM: a process we may not signal has the pid, so it exists.
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

struct portable_named_mutex final : named_mutex::impl {
  shm_region region;

  mutex_state& state() const noexcept { return *static_cast<mutex_state*>(region.payload()); }

  std::error_code lock(deadline until) override {
    auto& s = state();
    const owner_id self = this_owner();
    if (s.owner.load(std::memory_order_relaxed) == self) {
      // Only this thread stores its own id: it holds the lock already.
      const auto n = s.recursion.load(std::memory_order_relaxed);
      if (n == UINT32_MAX) return make_error_code(errc::resource_exhausted, EAGAIN);
      s.recursion.store(n + 1, std::memory_order_relaxed);
      return {};
    }
    poll_backoff backoff(until);
    for (;;) {
      owner_id seen = 0;
      if (s.owner.compare_exchange_strong(seen, self, std::memory_order_acquire,
                                          std::memory_order_relaxed)) {
        s.recursion.store(1, std::memory_order_relaxed);
        return {};
      }
      // S3: of the waiters that find the owner dead, the one whose swap
      // succeeds takes the lock and reports it abandoned; the others go on
      // waiting for it.
      if ((backoff.sleeping() || clock::now() >= until) && owner_process_gone(seen) &&
          s.owner.compare_exchange_strong(seen, self, std::memory_order_acquire,
                                          std::memory_order_relaxed)) {
        s.recursion.store(1, std::memory_order_relaxed);
        return make_error_code(errc::abandoned, EOWNERDEAD);
      }
      if (!backoff.pause()) return make_error_code(errc::timed_out, ETIMEDOUT);
    }
  }

  std::error_code unlock() override {
    auto& s = state();
    // Not the owner: EPERM, as pthread_mutex_unlock says in the robust version.
    if (s.owner.load(std::memory_order_relaxed) != this_owner())
      return make_error_code(errc::access_denied, EPERM);
    const auto n = s.recursion.load(std::memory_order_relaxed);
    if (n > 1) {
      s.recursion.store(n - 1, std::memory_order_relaxed);
      return {};
    }
    s.recursion.store(0, std::memory_order_relaxed);
    s.owner.store(0, std::memory_order_release);  // waiters poll: nobody to wake
    return {};
  }
};

}  // namespace

std::unique_ptr<named_mutex::impl> open_named_mutex(open_mode mode, const std::string& name,
                                                    const object_options& /*one namespace*/,
                                                    std::error_code& ec) {
  const auto init = [](void* where) {
    new (where) mutex_state{};
    return std::error_code{};
  };
  auto region = shm_region::open_state(kind_mutex, name, mode, sizeof(mutex_state), init, ec);
  if (!region) return nullptr;
  auto p = std::make_unique<portable_named_mutex>();
  p->region = std::move(*region);
  p->name = name;
  p->created = p->region.created();
  return p;
}

}  // namespace strait::detail
