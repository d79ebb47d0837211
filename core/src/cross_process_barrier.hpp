// A memory barrier one process imposes on others: what lets a shm:// writer
// skip its per-message fence (docs/shared-memory.md, "Waking a sleeping
// peer"). A side about to sleep stores its waiting flag, then looks at the
// ring again; the other side publishes, then reads the flag. Without a full
// barrier between its store and its load, the publishing side's load may be
// served before its own store is seen, and both miss each other. Either the
// publisher pays that barrier on every message, or the rare sleeper pays a
// barrier that runs on the publisher's CPU too: this. One implementation per
// platform, chosen by the build (Linux: membarrier; elsewhere: none, and
// the publisher keeps its fence).
#pragma once

namespace strait::detail {

// Registers this process (once; later calls return the first answer) so that
// other processes' cross_process_barrier() covers its threads. True when both
// that and cross_process_barrier() work here.
bool cross_process_barrier_available() noexcept;

// Runs a full memory barrier on every CPU that is running a thread of a
// registered process, this one's included, before it returns. False if it
// could not (then nothing may rely on it).
bool cross_process_barrier() noexcept;

}  // namespace strait::detail
