#include "shm_region.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>

#include <fmt/format.h>


namespace strait::detail {
namespace {

// What precedes the payload in every region. Only the creator writes it; an
// opener trusts nothing in it without checking (S6).
struct region_header {
  std::uint64_t magic;
  std::uint64_t payload_size;
  std::uint32_t name_length;
  char name[200];  // "<kind>.<name>": tells a hash collision from our region
};
constexpr std::uint64_t header_magic = 0x31306d6873746973;  // "sitshm01"
constexpr std::size_t header_size = 256;                     // keeps the payload 64-byte aligned
static_assert(sizeof(region_header) <= header_size);

// FNV-1a: stable across runs and platforms (N1: deterministic names).
std::uint64_t stable_hash(std::string_view s) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// 12.9: who holds the object name `shm_name`, for the message of a refusal.
std::string describe_squatter(const std::string& shm_name) {
  struct stat st{};
  const int fd = ::shm_open(shm_name.c_str(), O_RDONLY | O_CLOEXEC, 0);
  const bool known = fd >= 0 && ::fstat(fd, &st) == 0;
  if (fd >= 0) ::close(fd);
  if (!known) return fmt::format("shared memory object '{}' belongs to another user", shm_name);
  return fmt::format("shared memory object '{}' belongs to uid {}, not to this user (uid {})",
                     shm_name, st.st_uid, ::geteuid());
}

int retry_flock(int fd, int operation) noexcept {
  int r;
  do {
    r = ::flock(fd, operation);
  } while (r != 0 && errno == EINTR);
  return r;
}

// An exclusive flock on the per-user guard file for one create/open/close.
class guard {
 public:
  explicit guard(const directory_handle& dir, std::error_code& ec) {
    fd_ = ::openat(dir.fd(), shm_guard_file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ < 0 || retry_flock(fd_, LOCK_EX) != 0) ec = last_system_error();
  }
  ~guard() {
    if (fd_ >= 0) ::close(fd_);  // closing drops the lock
  }
  guard(const guard&) = delete;
  guard& operator=(const guard&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

shm_region::shm_region(shm_region&& other) noexcept
    : shm_name_(std::move(other.shm_name_)),
      directory_(std::move(other.directory_)),
      lock_name_(std::move(other.lock_name_)),
      companion_name_(std::move(other.companion_name_)),
      lock_fd_(std::exchange(other.lock_fd_, -1)),
      map_(std::exchange(other.map_, nullptr)),
      map_size_(std::exchange(other.map_size_, 0)),
      payload_(std::exchange(other.payload_, nullptr)),
      payload_size_(std::exchange(other.payload_size_, 0)),
      created_(other.created_) {}

shm_region& shm_region::operator=(shm_region&& other) noexcept {
  if (this != &other) {
    close();
    shm_name_ = std::move(other.shm_name_);
    directory_ = std::move(other.directory_);
    lock_name_ = std::move(other.lock_name_);
    companion_name_ = std::move(other.companion_name_);
    lock_fd_ = std::exchange(other.lock_fd_, -1);
    map_ = std::exchange(other.map_, nullptr);
    map_size_ = std::exchange(other.map_size_, 0);
    payload_ = std::exchange(other.payload_, nullptr);
    payload_size_ = std::exchange(other.payload_size_, 0);
    created_ = other.created_;
  }
  return *this;
}

shm_region::~shm_region() { close(); }

std::optional<shm_region> shm_region::open_state(std::string_view kind, const std::string& name,
                                                 open_mode mode, std::size_t state_size,
                                                 const initializer& init, std::error_code& ec,
                                                 const attacher& attach) {
  auto region = open(kind, name, mode, state_size, init, ec, attach);
  if (region && region->payload_size() < state_size) {
    ec = make_error_code(errc::protocol_error);  // S6
    return std::nullopt;
  }
  return region;
}

std::optional<shm_region> shm_region::open(std::string_view kind, const std::string& name,
                                           open_mode mode, std::size_t payload_size,
                                           const initializer& init, std::error_code& ec,
                                           const attacher& attach) {
  auto dir = directory_handle::open_runtime(ec);
  if (!dir) return std::nullopt;
  const auto full_name = fmt::format("{}.{}", kind, name);
  if (mode != open_mode::open &&
      payload_size > static_cast<std::size_t>(std::numeric_limits<off_t>::max()) - header_size) {
    ec = make_error_code(errc::invalid_argument);
    return std::nullopt;
  }

  shm_region r;
  r.shm_name_ = fmt::format("/st{}-{:016x}", ::geteuid(), stable_hash(full_name));
  r.lock_name_ = helper_file_name(fmt::format("shm.{}", full_name), "lock");
  r.companion_name_ = helper_file_name(fmt::format("shm.{}", full_name), "owners");
  r.directory_ = std::move(dir);

  const guard held(*r.directory_, ec);
  if (ec) return std::nullopt;

  r.lock_fd_ = ::openat(r.directory_->fd(), r.lock_name_.c_str(),
                        O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (r.lock_fd_ < 0) {
    ec = last_system_error();
    return std::nullopt;
  }
  // S2: a shared lock held by anyone means a live handle; none means the
  // name is free, or stale (its last holder crashed).
  const bool alive = retry_flock(r.lock_fd_, LOCK_EX | LOCK_NB) != 0;
  if (alive && errno != EWOULDBLOCK) {
    ec = last_system_error();
    r.discard(false);
    return std::nullopt;
  }
  // Failing after this point: we hold the guard, so r must not close()
  // (which takes it again). Holding the lock exclusively (!alive), the
  // names are ours to remove.
  const auto fail = [&](std::error_code e) {
    ec = e;
    r.discard(!alive);
    return std::optional<shm_region>{};
  };

  int fd = -1;
  if (!alive) {
    if (::shm_unlink(r.shm_name_.c_str()) != 0 && errno != ENOENT) {
      const auto e = last_system_error();
      note_failure(describe_squatter(r.shm_name_));  // someone else's object squats our name (N2)
      return fail(e);
    }
    if (mode == open_mode::open) return fail(make_error_code(errc::not_found));  // S1
    fd = ::shm_open(r.shm_name_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return fail(last_system_error());
    r.map_size_ = header_size + payload_size;
    if (::ftruncate(fd, static_cast<off_t>(r.map_size_)) != 0) {
      const auto e = last_system_error();
      ::close(fd);
      return fail(e);
    }
    r.created_ = true;
  } else {
    if (mode == open_mode::create) return fail(make_error_code(errc::already_exists));  // S1
    fd = ::shm_open(r.shm_name_.c_str(), O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) return fail(last_system_error());
    struct stat st{};
    std::error_code e;
    if (::fstat(fd, &st) != 0)
      e = last_system_error();
    else if (st.st_uid != ::geteuid() || (st.st_mode & 077) != 0)
      e = make_error_code(errc::access_denied);  // N2: not ours
    else if (static_cast<std::size_t>(st.st_size) < header_size)
      e = make_error_code(errc::protocol_error);  // S6
    if (e) {
      ::close(fd);
      return fail(e);
    }
    r.map_size_ = static_cast<std::size_t>(st.st_size);
  }

  r.map_ = ::mmap(nullptr, r.map_size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (r.map_ == MAP_FAILED) {
    r.map_ = nullptr;
    return fail(last_system_error());
  }
  auto* header = static_cast<region_header*>(r.map_);
  r.payload_ = static_cast<std::byte*>(r.map_) + header_size;

  if (r.created_) {
    r.payload_size_ = payload_size;
    if (init) {
      if (const auto e = init(r.payload_)) return fail(e);
    }
    header->payload_size = payload_size;
    header->name_length = static_cast<std::uint32_t>(full_name.size());
    std::memcpy(header->name, full_name.data(), full_name.size());
    header->magic = header_magic;
  } else {
    // S6: nothing in the header is believed beyond what the mapping holds.
    const std::size_t capacity = r.map_size_ - header_size;
    if (header->magic != header_magic || header->payload_size > capacity ||
        header->name_length != full_name.size() ||
        std::memcmp(header->name, full_name.data(), full_name.size()) != 0)
      return fail(make_error_code(errc::protocol_error));
    r.payload_size_ = static_cast<std::size_t>(header->payload_size);
    if (mode == open_mode::create_or_open && r.payload_size_ < payload_size)
      return fail(make_error_code(errc::invalid_argument));
  }

  if (attach) {
    if (const auto e = attach(r.directory_->fd(), r.companion_name_)) return fail(e);
  }

  // Every live handle holds the lock shared. Converting is not atomic, which
  // is why every step that tests the lock runs under the guard.
  if (retry_flock(r.lock_fd_, LOCK_SH) != 0) return fail(last_system_error());
  ec = {};
  return r;
}

bool shm_region::is_held(const directory_handle& directory, const std::string& lock_name) {
  std::error_code ec;
  const guard held(directory, ec);
  if (ec) return true;  // unprobed: not called stale
  const int fd =
      ::openat(directory.fd(), lock_name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return false;
  // S2: any shared lock is a live handle; taking it exclusively means none.
  const bool alive = retry_flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // drops the probe's lock, if it got one
  return alive;
}

void shm_region::discard(bool remove_names) noexcept {
  if (map_) ::munmap(map_, map_size_);
  map_ = nullptr;
  payload_ = nullptr;
  if (remove_names) {
    ::shm_unlink(shm_name_.c_str());
    ::unlinkat(directory_->fd(), lock_name_.c_str(), 0);
    ::unlinkat(directory_->fd(), companion_name_.c_str(), 0);
  }
  if (lock_fd_ >= 0) ::close(std::exchange(lock_fd_, -1));
}

void shm_region::close() noexcept {
  if (lock_fd_ < 0) return;
  if (map_) ::munmap(map_, map_size_);
  map_ = nullptr;
  std::error_code ec;
  const guard held(*directory_, ec);
  // S2: the handle that can take the lock exclusively is the last one. Without
  // the guard (ec), leave the names: the next create reclaims them.
  discard(!ec && retry_flock(lock_fd_, LOCK_EX | LOCK_NB) == 0);
}

}  // namespace strait::detail
