// The futex ping-pong baseline (Linux): the shared-memory rings of
// raw_ring.hpp, but an end with nothing to do sleeps in FUTEX_WAIT and the
// other end wakes it only when a flag says it sleeps. That is the floor for a
// transport that blocks instead of spinning (shm:// past its spin budget,
// Boost.Interprocess's process-shared condition variables).
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>

#include "raw_ring.hpp"

namespace strait::bench {
namespace {

long futex(std::atomic<std::uint32_t>& word, int op, std::uint32_t value, const timespec* timeout) {
  // Not FUTEX_PRIVATE_FLAG: the word is in memory shared between processes.
  return ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), op, value, timeout, nullptr,
                   0);
}

struct futex_wait {
  template <class Ready>
  static void wait(std::atomic<std::uint32_t>& seq, std::atomic<std::uint32_t>& sleeping,
                   Ready ready) {
    if (ready()) return;
    const auto give_up = std::chrono::steady_clock::now() + link_timeout;
    for (;;) {
      const auto seen = seq.load(std::memory_order_relaxed);
      // Say "I sleep", then look again: with the fences here and in notify(),
      // either this look sees the other end's data or the other end sees the
      // flag and bumps seq, which makes FUTEX_WAIT return at once.
      sleeping.store(1, std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (ready()) break;
      const timespec slice{0, 100'000'000};  // wake now and then to check the deadline
      futex(seq, FUTEX_WAIT, seen, &slice);
      if (ready()) break;
      if (std::chrono::steady_clock::now() > give_up) {
        sleeping.store(0, std::memory_order_relaxed);
        throw bench_error("futex ring: timed out");
      }
    }
    sleeping.store(0, std::memory_order_relaxed);
  }

  static void notify(std::atomic<std::uint32_t>& seq, std::atomic<std::uint32_t>& sleeping) {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (sleeping.load(std::memory_order_relaxed) == 0) return;
    seq.fetch_add(1, std::memory_order_relaxed);
    futex(seq, FUTEX_WAKE, INT_MAX, nullptr);
  }
};

[[maybe_unused]] const bool registered = register_mechanism({
    .name = "raw shm futex",
    .kind = family::raw,
    // shm:// latency is compared with both rings (spinning and sleeping);
    // Boost's message_queue sleeps on the same kernel primitive.
    .baseline_for = {{"strait shm", kinds::latency_only}, {"boost message_queue"}},
    .make_address = fresh_name,
    .serve = serve_ring<futex_wait>,
    .connect = connect_ring<futex_wait>,
});

}  // namespace
}  // namespace strait::bench
