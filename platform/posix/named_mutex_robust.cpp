// named_mutex on POSIX: a process-shared, robust, recursive pthread mutex in
// a shm_region. Robustness is S3: when the owner dies the kernel marks the
// mutex, the next locker gets EOWNERDEAD with the lock, and we report
// abandoned after making the mutex consistent again.
//
// Timed locks use pthread_mutex_clocklock(CLOCK_MONOTONIC) (glibc 2.30+).
// Without it, pthread_mutex_timedlock measures the deadline on
// CLOCK_REALTIME: a wall-clock step during the wait shortens or stretches it.
#include <pthread.h>
#include <time.h>

#include <cerrno>
#include <chrono>
#include <new>

#include "named_objects.hpp"
#include "shm_region.hpp"

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 30))
#define STRAIT_HAVE_CLOCKLOCK 1
#endif

namespace strait::detail {
namespace {

// `until` on the steady clock as an absolute time on `clock_id`.
timespec absolute_time(clockid_t clock_id, deadline until) noexcept {
  timespec now{};
  ::clock_gettime(clock_id, &now);
  auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(until - clock::now());
  if (left.count() < 0) left = {};
  const auto total = static_cast<long long>(now.tv_nsec) + left.count() % 1'000'000'000;
  timespec at{};
  at.tv_sec = now.tv_sec + static_cast<time_t>(left.count() / 1'000'000'000) +
              static_cast<time_t>(total / 1'000'000'000);
  at.tv_nsec = static_cast<long>(total % 1'000'000'000);
  return at;
}

std::error_code error_from(int r) noexcept { return map_system_error(r); }

std::error_code init_mutex(void* where) {
  pthread_mutexattr_t attr;
  if (const int r = ::pthread_mutexattr_init(&attr)) return error_from(r);
  int r = ::pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  if (!r) r = ::pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  // Recursive like a Windows mutex; unlock by a non-owner fails (EPERM).
  if (!r) r = ::pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  if (!r) r = ::pthread_mutex_init(static_cast<pthread_mutex_t*>(where), &attr);
  ::pthread_mutexattr_destroy(&attr);
  return error_from(r);
}

struct posix_named_mutex final : named_mutex::impl {
  shm_region region;

  pthread_mutex_t* mutex() const noexcept {
    return static_cast<pthread_mutex_t*>(region.payload());
  }

  std::error_code lock(deadline until) override {
    int r;
    if (until == no_deadline) {
      r = ::pthread_mutex_lock(mutex());
    } else if (until <= clock::now()) {
      r = ::pthread_mutex_trylock(mutex());
      if (r == EBUSY) r = ETIMEDOUT;
    } else {
#ifdef STRAIT_HAVE_CLOCKLOCK
      const auto at = absolute_time(CLOCK_MONOTONIC, until);
      r = ::pthread_mutex_clocklock(mutex(), CLOCK_MONOTONIC, &at);
#else
      const auto at = absolute_time(CLOCK_REALTIME, until);
      r = ::pthread_mutex_timedlock(mutex(), &at);
#endif
    }
    if (r == EOWNERDEAD) {
      // S3: the lock is ours; mark it usable again so later lockers see no error.
      ::pthread_mutex_consistent(mutex());
      return make_error_code(errc::abandoned, EOWNERDEAD);
    }
    return error_from(r);
  }

  std::error_code unlock() override { return error_from(::pthread_mutex_unlock(mutex())); }
};

}  // namespace

std::unique_ptr<named_mutex::impl> open_named_mutex(open_mode mode, const std::string& name,
                                                    const object_options& /*one namespace*/,
                                                    std::error_code& ec) {
  auto region =
      shm_region::open_state(kind_mutex, name, mode, sizeof(pthread_mutex_t), init_mutex, ec);
  if (!region) return nullptr;
  auto p = std::make_unique<posix_named_mutex>();
  p->region = std::move(*region);
  p->name = name;
  p->created = p->region.created();
  return p;
}

}  // namespace strait::detail
