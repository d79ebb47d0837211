// cross_process_barrier (cross_process_barrier.hpp) on Windows: none.
// FlushProcessWriteBuffers reaches only the calling process's threads, and
// the thread to order is the peer's, so shm:// writers keep their fence on
// every message.
#include "cross_process_barrier.hpp"

namespace strait::detail {

bool cross_process_barrier_available() noexcept { return false; }
bool cross_process_barrier() noexcept { return false; }

}  // namespace strait::detail
