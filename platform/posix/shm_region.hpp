// A named POSIX shared-memory region with Windows lifetime (S2), the ground
// shared_memory and the POSIX named_mutex / named_semaphore / named_event
// stand on. docs/shared-memory.md explains the mechanism:
//
// - The object is shm_open("/st<uid>-<hash>"), mode 0600 (N2): short enough
//   for macOS's 31-byte limit, the same name on every run (N1).
// - Every handle holds a shared flock on "<runtime dir>/shm.<kind>.<name>+lock"
//   (the runtime directory held open, runtime_directory.hpp; '+' is outside
//   the name grammar, so no name reaches another's lock file).
//   A handle that closes and gets LOCK_EX|LOCK_NB is the last and unlinks
//   both; a crash drops the lock, so a name nobody holds a lock on is stale
//   and the next create reclaims it, the next open says not_found.
// - "<runtime dir>/shm.<kind>.<name>+owners" is a companion file a named
//   mutex locks byte ranges of (named_mutex.cpp); the region hands its name
//   in the directory to an `attach` hook under the guard and removes it with
//   the region.
// - Every create, open and close runs under an exclusive flock on
//   "<runtime dir>/shm+guard", so these steps never interleave (flock
//   conversions are not atomic) and an opener never sees a half-built region.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "named_objects.hpp"
#include "runtime_directory.hpp"

namespace strait::detail {

// The guard file in the runtime directory (see above).
inline constexpr const char* shm_guard_file = "shm+guard";

class shm_region {
 public:
  // Runs on the payload of a region this call creates, before anyone else
  // can open it; an error aborts the create.
  using initializer = std::function<std::error_code(void* payload)>;
  // Runs on every successful create or open, under the guard, with the path
  // of the companion file: while the region lives that path names one file,
  // and it goes with the region. An error aborts the create or open.
  using attacher =
      std::function<std::error_code(int directory_fd, const std::string& companion_name)>;

  shm_region() = default;
  shm_region(shm_region&& other) noexcept;
  shm_region& operator=(shm_region&& other) noexcept;
  ~shm_region();

  // Creates and/or opens the region of `kind` named `name`. `payload_size`
  // is the size to create; an opened region keeps its creator's size,
  // checked against the mapping (S6).
  static std::optional<shm_region> open(std::string_view kind, const std::string& name,
                                        open_mode mode, std::size_t payload_size,
                                        const initializer& init, std::error_code& ec,
                                        const attacher& attach = {});
  // open() for a named mutex, event or semaphore, whose state has a fixed
  // size: an opened region too small to hold it is protocol_error (S6).
  static std::optional<shm_region> open_state(std::string_view kind, const std::string& name,
                                              open_mode mode, std::size_t state_size,
                                              const initializer& init, std::error_code& ec,
                                              const attacher& attach = {});

  // Whether a live handle holds the region whose lock file in `directory` is
  // `lock_name`: probed under the guard, so no create, open or close sees
  // the probe's lock (`strait ls` where /proc/locks cannot say).
  static bool is_held(const directory_handle& directory, const std::string& lock_name);

  void* payload() const noexcept { return payload_; }
  std::size_t payload_size() const noexcept { return payload_size_; }
  bool created() const noexcept { return created_; }

  void close() noexcept;

 private:
  // Unmaps and closes without the guard; `remove_names` unlinks the object,
  // the lock file and the companion (only right while holding the lock
  // exclusively).
  void discard(bool remove_names) noexcept;

  std::string shm_name_;
  std::shared_ptr<directory_handle> directory_;
  std::string lock_name_;  // in directory_
  std::string companion_name_;  // in directory_
  int lock_fd_ = -1;
  void* map_ = nullptr;
  std::size_t map_size_ = 0;
  void* payload_ = nullptr;
  std::size_t payload_size_ = 0;
  bool created_ = false;
};

}  // namespace strait::detail
