// cross_process_barrier (cross_process_barrier.hpp) where the system has none
// (macOS, the BSDs, the linux-portable build): shm:// writers keep their
// fence on every message.
#include "cross_process_barrier.hpp"

namespace strait::detail {

bool cross_process_barrier_available() noexcept { return false; }
bool cross_process_barrier() noexcept { return false; }

}  // namespace strait::detail
