// cross_process_barrier (cross_process_barrier.hpp) on Linux: membarrier(2) with
// MEMBARRIER_CMD_GLOBAL_EXPEDITED (Linux 4.16), which interrupts each CPU
// running a thread of a process registered for it; a thread that is not
// running went through the scheduler, itself a full barrier.
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cross_process_barrier.hpp"

namespace strait::detail {
namespace {

long membarrier(int command) noexcept { return ::syscall(__NR_membarrier, command, 0u, 0); }

bool register_this_process() noexcept {
  const long commands = membarrier(MEMBARRIER_CMD_QUERY);
  if (commands < 0 || (commands & MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0 ||
      (commands & MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0)
    return false;  // an older kernel, or a sandbox that filters it
  return membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0;
}

}  // namespace

bool cross_process_barrier_available() noexcept {
  static const bool registered = register_this_process();
  return registered;
}

bool cross_process_barrier() noexcept {
  return membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0;
}

}  // namespace strait::detail
