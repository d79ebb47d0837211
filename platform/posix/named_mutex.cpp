// named_mutex on POSIX, one implementation for both STRAIT_POSIX_SYNC builds:
// an owner word in a shm_region, recursive like a Windows mutex, and a kernel
// lock per process that proves an owner alive (docs/shared-memory.md,
// "Mutex (S3)").
//
// The shared state is three integers and no pointer (S6). This process only
// compares, swaps and sleeps on them, never follows one, so nothing a peer
// writes there can turn into a write elsewhere or tell it where our memory
// is. (glibc's robust mutex, used here before, keeps robust-list pointers in
// the mutex: a peer could make our unlock write at an address it chose.)
//
// - owner: 0 when free, else the owner thread's id: its process's pid in the
//   low half, a per-thread tag in the high half. Tags start at a random
//   number per process, so a dead owner's id is not ours when we reuse its pid.
// - Liveness (S3): each process with a handle open holds an fcntl write lock
//   on the byte at offset <pid> of the companion file "shm.mutex.NAME+owners".
//   The kernel drops it when the process dies or closes its last handle,
//   whatever later happens to the pid. A waiter that finds no lock at the
//   owner's byte (F_GETLK) swaps the dead owner's id for its own -- of
//   several waiters one succeeds -- and reports abandoned with the lock held.
// - waiters / wakes: a waiter counts itself in `waiters` and sleeps on `wakes`
//   (wait_word: FUTEX_WAIT, or polling in the portable build); unlock wakes
//   one when `waiters` is not zero, so an uncontended lock and unlock make no
//   system call. Sleeps are cut into slices of owner_check_interval: a dead
//   owner is noticed within one, and a peer that zeroes `waiters` delays a
//   waiter by one at most.
//
// Our recursion count and which of our threads owns the mutex are kept in
// this process (process_side), not in the shared state. A thread that ends
// holding the lock abandons it as on Windows: it leaves an id with pid 0,
// which no process has (held_by_this_thread).
//
// fcntl locks belong to a process, and closing any descriptor of a file drops
// them all: every handle of one mutex in a process shares one descriptor of
// the owners file.
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "named_objects.hpp"
#include "shm_region.hpp"
#include "wait_word.hpp"

namespace strait::detail {
namespace {

using namespace std::chrono_literals;

struct mutex_state {
  std::atomic<std::uint64_t> owner;    // 0: free; else pid | tag << 32
  std::atomic<std::uint32_t> waiters;  // sleepers on `wakes`: a hint
  std::atomic<std::uint32_t> wakes;    // changed by every unlock that wakes
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free &&
              std::atomic<std::uint32_t>::is_always_lock_free);

using owner_id = std::uint64_t;

// How long a waiter sleeps before it looks whether the owner still lives.
constexpr auto owner_check_interval = 50ms;

std::atomic<pid_t> cached_pid{0};  // reset in a forked child (pthread_atfork)
std::atomic<std::uint32_t> first_tag{0};
std::atomic<std::uint32_t> next_tag{0};

pid_t current_pid() noexcept { return cached_pid.load(std::memory_order_relaxed); }

std::uint32_t random_tag_base() {
  std::random_device random;
  return static_cast<std::uint32_t>(random());
}

// This thread of this process. The tag stays with the thread; the pid half
// changes in a forked child, so the child never passes for its parent.
owner_id this_thread(pid_t pid) noexcept {
  thread_local const std::uint32_t tag = next_tag.fetch_add(1, std::memory_order_relaxed);
  return static_cast<owner_id>(tag) << 32 | static_cast<std::uint32_t>(pid);
}

std::uint32_t pid_of(owner_id owner) noexcept { return static_cast<std::uint32_t>(owner); }

// Whether some thread of this process was ever given `owner`'s tag. A thread
// takes its tag before it can own anything, and tags are handed out in
// sequence from first_tag, so this holds for every id a thread of ours wrote.
bool tag_handed_out(owner_id owner) noexcept {
  const auto tag = static_cast<std::uint32_t>(owner >> 32);
  const auto first = first_tag.load(std::memory_order_relaxed);
  return tag - first < next_tag.load() - first;
}

// The byte of `pid` in an owners file.
struct flock byte_of(std::uint32_t pid, short type) noexcept {
  struct flock range{};
  range.l_type = type;
  range.l_whence = SEEK_SET;
  range.l_start = static_cast<off_t>(pid);
  range.l_len = 1;
  return range;
}

// This process's side of one mutex, shared by all its handles of it.
struct process_side {
  int fd = -1;                         // the owners file
  std::atomic<pid_t> locked_pid{0};    // whose byte we lock: ours, unless we forked since
  std::size_t handles = 0;             // guarded by the registry's mutex
  std::atomic<owner_id> owned_by{0};   // which of our threads owns the mutex
  std::atomic<std::uint32_t> recursion{0};  // written by that thread only
};

// Every process_side of this process, by owners file name.
class process_sides {
 public:
  process_sides() {
    cached_pid.store(::getpid());
    first_tag.store(random_tag_base());
    next_tag.store(first_tag.load());
    ::pthread_atfork(nullptr, nullptr, [] { cached_pid.store(::getpid()); });
  }

  // Called under the shm_region guard, so `name` in `directory_fd` is the
  // live region's file; the name also keys this process's side of it.
  process_side* attach(int directory_fd, const std::string& name, std::error_code& ec) {
    std::lock_guard hold(mutex_);
    auto& side = sides_[name];
    if (!side) {
      side = std::make_unique<process_side>();
      side->fd = ::openat(directory_fd, name.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
                          0600);
      if (side->fd < 0) {
        ec = last_system_error();
        sides_.erase(name);
        return nullptr;
      }
    }
    if ((ec = lock_own_byte(*side))) {
      if (side->handles == 0) erase(name);
      return nullptr;
    }
    ++side->handles;
    return side.get();
  }

  void detach(const std::string& path) noexcept {
    std::lock_guard hold(mutex_);
    const auto it = sides_.find(path);
    if (it != sides_.end() && --it->second->handles == 0) erase(path);
  }

  // After a fork the child holds none of its parent's fcntl locks: it takes
  // its own byte before it may own the mutex.
  std::error_code relock(process_side& side) {
    std::lock_guard hold(mutex_);
    return lock_own_byte(side);
  }

 private:
  std::error_code lock_own_byte(process_side& side) noexcept {
    const pid_t pid = current_pid();
    if (side.locked_pid.load(std::memory_order_relaxed) == pid) return {};
    auto range = byte_of(static_cast<std::uint32_t>(pid), F_WRLCK);
    // Never blocks: only a process with our pid (another pid namespace
    // sharing the runtime directory) could hold this byte.
    if (::fcntl(side.fd, F_SETLK, &range) != 0) return last_system_error();
    side.locked_pid.store(pid, std::memory_order_relaxed);
    return {};
  }

  void erase(const std::string& path) noexcept {
    const auto it = sides_.find(path);
    ::close(it->second->fd);  // drops our byte lock
    sides_.erase(it);
  }

  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<process_side>> sides_;
};

process_sides& sides() {
  static process_sides all;
  return all;
}

// Whether `owner` may still hold the mutex: whether its process has a handle
// of it open, i.e. some process holds a lock on its byte of the owners file.
// An id naming this process must also name one of our threads: a peer that
// rewrites the tag of ours (S6) leaves a word no unlock of ours clears.
bool owner_may_live(int fd, pid_t self, owner_id owner) noexcept {
  const auto pid = pid_of(owner);
  // F_GETLK ignores our own locks; our byte is held while a handle is open.
  if (pid == static_cast<std::uint32_t>(self)) return tag_handed_out(owner);
  if (pid == 0 || pid > 0x7fffffffu) return false;  // no process has that pid
  auto probe = byte_of(pid, F_WRLCK);
  // Unable to tell: count it alive; the waiter looks again a slice later.
  if (::fcntl(fd, F_GETLK, &probe) != 0) return true;
  return probe.l_type != F_UNLCK;
}

void wake_one(mutex_state& s) noexcept {
  s.wakes.fetch_add(1);
  wait_word::wake(s.wakes, 1);
}

// The mutexes this thread has taken. When the thread ends holding one (S3),
// its id in the owner word becomes the same tag with pid 0: no process holds
// that byte, so the next locker takes the lock as abandoned. Entries stay
// after an unlock (taking the lock again costs no allocation) and change
// nothing then, since only a word that still holds this thread's id is
// changed; a region closed meanwhile is skipped.
class held_by_this_thread {
 public:
  held_by_this_thread() = default;
  held_by_this_thread(const held_by_this_thread&) = delete;
  held_by_this_thread& operator=(const held_by_this_thread&) = delete;

  ~held_by_this_thread() {
    for (const auto& h : taken_) {
      const auto region = h.region.lock();
      if (!region) continue;
      auto& s = *static_cast<mutex_state*>(region->payload());
      const owner_id tag = h.self & ~owner_id{0xffffffffu};
      owner_id expected = h.self;
      if (s.owner.compare_exchange_strong(expected, tag != 0 ? tag : owner_id{1} << 32) &&
          s.waiters.load() != 0)
        wake_one(s);
    }
  }

  // `handle` numbers the handle, once per process.
  void taken(std::uint64_t handle, const std::shared_ptr<shm_region>& region, owner_id self) {
    for (auto& h : taken_) {
      if (h.handle != handle) continue;
      h.self = self;  // changes only in a forked child
      return;
    }
    std::erase_if(taken_, [](const entry& h) { return h.region.expired(); });
    taken_.push_back({handle, region, self});
  }

 private:
  struct entry {
    std::uint64_t handle;
    std::weak_ptr<shm_region> region;
    owner_id self;
  };
  std::vector<entry> taken_;
};

std::atomic<std::uint64_t> handles_opened{0};

// The handle and id of this thread's last held_by_this_thread::taken(): a
// thread that takes the same mutex again skips the list (the common case).
thread_local std::uint64_t last_taken_handle = 0;
thread_local owner_id last_taken_self = 0;

void note_taken(std::uint64_t handle, const std::shared_ptr<shm_region>& region,
                owner_id self) {
  if (last_taken_handle == handle && last_taken_self == self) return;
  thread_local held_by_this_thread held;
  held.taken(handle, region, self);
  last_taken_handle = handle;
  last_taken_self = self;
}

struct posix_named_mutex final : named_mutex::impl {
  std::string owners_path;
  process_side* side = nullptr;
  std::shared_ptr<shm_region> region;  // closed after the destructor has detached `side`
  std::uint64_t handle = handles_opened.fetch_add(1) + 1;

  ~posix_named_mutex() override {
    if (side) sides().detach(owners_path);
  }

  mutex_state& state() const noexcept { return *static_cast<mutex_state*>(region->payload()); }

  std::error_code took(owner_id self, std::error_code ec) {
    side->owned_by.store(self, std::memory_order_relaxed);
    side->recursion.store(1, std::memory_order_relaxed);
    note_taken(handle, region, self);
    return ec;
  }

  std::error_code lock(deadline until) override {
    auto& s = state();
    const pid_t pid = current_pid();
    if (side->locked_pid.load(std::memory_order_relaxed) != pid) {
      if (const auto e = sides().relock(*side)) return e;
    }
    const owner_id self = this_thread(pid);
    if (s.owner.load(std::memory_order_relaxed) == self) {
      // S6: our id in the word though we never took it: a peer wrote it.
      if (side->owned_by.load(std::memory_order_relaxed) != self)
        return make_error_code(errc::protocol_error);
      const auto n = side->recursion.load(std::memory_order_relaxed);
      if (n == UINT32_MAX) return make_error_code(errc::resource_exhausted, EAGAIN);
      side->recursion.store(n + 1, std::memory_order_relaxed);
      return {};
    }
    for (;;) {
      owner_id seen = 0;
      if (s.owner.compare_exchange_strong(seen, self, std::memory_order_acquire,
                                          std::memory_order_relaxed))
        return took(self, {});
      if (seen == self) return make_error_code(errc::protocol_error);  // S6, as above
      if (!owner_may_live(side->fd, pid, seen)) {
        // S3: the owner died holding the lock (or closed its last handle);
        // S6: or a peer wrote an owner that cannot be.
        if (s.owner.compare_exchange_strong(seen, self, std::memory_order_acquire,
                                            std::memory_order_relaxed))
          return took(self, make_error_code(errc::abandoned, EOWNERDEAD));
        continue;
      }
      const auto now = clock::now();
      if (now >= until) {
        // An unlock may have woken us rather than another sleeper: pass it on.
        if (s.owner.load() == 0 && s.waiters.load() != 0) wake_one(s);
        return make_error_code(errc::timed_out, ETIMEDOUT);
      }
      const deadline slice_end = until - now > owner_check_interval
                                     ? now + owner_check_interval
                                     : until;
      // Sequentially consistent with unlock: either it sees us in `waiters`
      // and changes `wakes`, or we see the word it cleared.
      s.waiters.fetch_add(1);
      const auto wakes = s.wakes.load();
      if (s.owner.load() == seen) wait_word::wait(s.wakes, wakes, slice_end);
      s.waiters.fetch_sub(1);
    }
  }

  std::error_code unlock() override {
    auto& s = state();
    const owner_id self = this_thread(current_pid());
    // Not the owner: EPERM, as pthread_mutex_unlock says.
    if (side->owned_by.load(std::memory_order_relaxed) != self ||
        s.owner.load(std::memory_order_relaxed) != self)
      return make_error_code(errc::access_denied, EPERM);
    const auto n = side->recursion.load(std::memory_order_relaxed);
    if (n > 1) {
      side->recursion.store(n - 1, std::memory_order_relaxed);
      return {};
    }
    side->recursion.store(0, std::memory_order_relaxed);
    side->owned_by.store(0, std::memory_order_relaxed);
    // Only our own id is cleared: a value a peer wrote meanwhile stays.
    owner_id expected = self;
    s.owner.compare_exchange_strong(expected, 0);
    if (s.waiters.load() != 0) wake_one(s);
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
  auto p = std::make_unique<posix_named_mutex>();
  const auto attach = [&p](int directory_fd, const std::string& owners_path) {
    std::error_code e;
    p->side = sides().attach(directory_fd, owners_path, e);
    if (p->side) p->owners_path = owners_path;
    return e;
  };
  auto region =
      shm_region::open_state(kind_mutex, name, mode, sizeof(mutex_state), init, ec, attach);
  if (!region) return nullptr;
  p->region = std::make_shared<shm_region>(std::move(*region));
  p->name = name;
  p->created = p->region->created();
  return p;
}

}  // namespace strait::detail
