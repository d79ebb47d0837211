// list_local_endpoints() on POSIX: the entries of the per-user runtime
// directory (runtime_directory.hpp) that strait's own names make:
//
//   pipe.NAME, unix.NAME, mailslot.NAME, the socket of a pipe:// or unix://
//   copydata.NAME                        listener or a mailslot:// or copydata:// reader; its
//                                        owner holds an flock on FILE+lock
//                                        (local_socket.hpp: name_lock)
//   shm.KIND.NAME+lock                   every handle of a named object holds
//                                        a shared flock on it (shm_region.hpp)
//
// A name is live while its lock is held and stale when not: the owner died
// and left its files, which the next listener or create reclaims (C7, S2).
// Who holds a lock comes from /proc/locks (Linux), read without touching the
// lock. It names a file by the device and inode of the file system that
// holds the lock, which a stacked file system (overlayfs) does not report to
// stat(): so the listing first finds its own shared lock on the shm guard
// file there (a moment's wait for a create or close, never a failure). When
// it cannot (no /proc, or such a file system), each lock is probed by taking
// it for an instant, which a listener reclaiming that very name in that
// instant would see as taken.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#if __has_include(<sys/sysmacros.h>)
#include <sys/sysmacros.h>  // major(), minor() on glibc; <sys/types.h> elsewhere
#endif

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "discovery_backend.hpp"
#include "local_socket.hpp"
#include "shm_region.hpp"

namespace strait::detail {
namespace {

// A file as /proc/locks names it: device major, minor, inode.
using file_key = std::tuple<unsigned long, unsigned long, unsigned long long>;
// The pid of a holder of each flock'ed file; none when /proc/locks shows
// none (a holder in another pid namespace).
using lock_holders = std::map<file_key, std::optional<std::uint64_t>>;

file_key key_of(const struct stat& st) {
  return {static_cast<unsigned long>(major(st.st_dev)), static_cast<unsigned long>(minor(st.st_dev)),
          st.st_ino};
}

// Every flock's holder by file; nullopt when /proc/locks cannot be read.
// A line: "1: FLOCK  ADVISORY  WRITE 1234 fe:00:10952706 0 EOF"; a waiter's
// line has "->" after the number and holds nothing.
std::optional<lock_holders> read_lock_holders() {
  std::ifstream in("/proc/locks");
  if (!in) return std::nullopt;
  lock_holders holders;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string number, type, mode, access, device;
    long long pid = 0;
    if (!(fields >> number >> type) || type != "FLOCK") continue;
    if (!(fields >> mode >> access >> pid >> device)) continue;
    unsigned long major_number = 0, minor_number = 0;
    unsigned long long inode = 0;
    char colon1 = 0, colon2 = 0;
    std::istringstream id(device);
    if (!(id >> std::hex >> major_number >> colon1 >> minor_number >> colon2 >> std::dec >>
          inode) ||
        colon1 != ':' || colon2 != ':')
      continue;
    std::optional<std::uint64_t> holder;
    if (pid > 0) holder = static_cast<std::uint64_t>(pid);
    holders.emplace(file_key{major_number, minor_number, inode}, holder);
  }
  return holders;
}

// /proc/locks read while this process holds a shared lock on the shm guard
// file; nullopt unless that lock shows in it under the guard's stat().
std::optional<lock_holders> read_matching_lock_holders(const directory_handle& directory) {
  const int fd = ::openat(directory.fd(), shm_guard_file,
                          O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return std::nullopt;
  int locked;
  do {
    locked = ::flock(fd, LOCK_SH);
  } while (locked != 0 && errno == EINTR);
  std::optional<lock_holders> holders;
  struct stat st{};
  if (locked == 0 && ::fstat(fd, &st) == 0) {
    holders = read_lock_holders();
    if (holders && holders->count(key_of(st)) == 0) holders.reset();
  }
  ::close(fd);  // drops the lock
  return holders;
}

// The runtime directory's entries, then their locks' holders: a lock taken
// before /proc/locks is read shows in it, so the listing reads it after
// finding every lock file.
class runtime_listing {
 public:
  explicit runtime_listing(std::shared_ptr<directory_handle> directory)
      : directory_(std::move(directory)) {}

  // Notes directory entry `file`, if it is one strait lists.
  void add(const std::string& file) {
    if (file.find('+') == std::string::npos)
      add_socket(file);
    else if (file.starts_with("shm.") && file.ends_with("+lock"))
      add_object(file);
    // else another helper file, or the guard
  }

  // Every entry added, with its state and holder.
  std::vector<local_endpoint> resolve() {
    const auto holders = read_matching_lock_holders(*directory_);
    std::vector<local_endpoint> listed;
    for (auto& [e, lock, probe] : found_) {
      if (!lock) {
        e.state = endpoint_state::stale;  // a socket without its lock: nobody owns it
      } else if (holders) {
        const auto held = holders->find(*lock);
        if (held == holders->end())
          e.state = endpoint_state::stale;
        else
          e.pid = held->second;
      } else {
        e.state = probe() ? endpoint_state::live : endpoint_state::stale;
      }
      listed.push_back(std::move(e));
    }
    return listed;
  }

 private:
  struct found_entry {
    local_endpoint e;
    std::optional<file_key> lock;  // none: no lock file
    std::function<bool()> probe;   // whether the lock is held, by taking it
  };

  void add_socket(const std::string& file) {
    const auto dot = file.find('.');
    if (dot == std::string::npos) return;
    const auto scheme = std::string_view(file).substr(0, dot);
    if (scheme != "pipe" && scheme != "unix" && scheme != "mailslot" && scheme != "copydata")
      return;
    struct stat st{};
    if (::fstatat(directory_->fd(), file.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
        !S_ISSOCK(st.st_mode))
      return;
    const socket_place place{.directory = directory_, .file = file};
    found_.push_back({listed_channel(scheme, std::string_view(file).substr(dot + 1)),
                      lock_key(place.helper("lock")),
                      [place] { return name_lock::is_held(place); }});
  }

  void add_object(const std::string& file) {
    // shm.KIND.NAME+lock
    const auto kind_and_name = std::string_view(file).substr(4, file.size() - 4 - 5);
    const auto dot = kind_and_name.find('.');
    if (dot == std::string_view::npos) return;
    auto e = listed_object(kind_and_name.substr(0, dot), kind_and_name.substr(dot + 1));
    if (!e) return;
    found_.push_back({std::move(*e), lock_key(file), [directory = directory_, file] {
                        return shm_region::is_held(*directory, file);
                      }});
  }

  std::optional<file_key> lock_key(const std::string& lock) const {
    struct stat st{};
    if (::fstatat(directory_->fd(), lock.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return std::nullopt;
    return key_of(st);
  }

  std::shared_ptr<directory_handle> directory_;
  std::vector<found_entry> found_;
};

}  // namespace

std::vector<local_endpoint> platform_local_endpoints(std::error_code& ec) {
  auto directory = directory_handle::open_runtime(ec);
  if (!directory) return {};
  // A descriptor of its own: readdir moves its offset.
  const int fd = ::openat(directory->fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* dir = fd < 0 ? nullptr : ::fdopendir(fd);
  if (!dir) {
    ec = last_system_error();
    if (fd >= 0) ::close(fd);
    return {};
  }
  runtime_listing listing(std::move(directory));
  while (const dirent* d = ::readdir(dir)) listing.add(d->d_name);
  ::closedir(dir);
  ec = {};
  return listing.resolve();
}

}  // namespace strait::detail
