#include "runtime_directory.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>

#include <fmt/format.h>

#include "backend.hpp"

namespace strait::detail {
namespace {

// "/proc/self/fd/" and a descriptor of up to 10 digits, then '/'.
constexpr std::size_t proc_prefix_size = 14 + 10 + 1;
// A hashed socket file name: KIND '.' PREFIX '~' 16 hex digits.
constexpr std::size_t hash_digits = 16;
constexpr std::size_t max_readable_prefix = 16;

// FNV-1a: a stable 64-bit hash, the same on every platform and run.
std::uint64_t stable_hash(std::string_view s) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string without_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

std::error_code refuse(std::string why) {
  note_failure(std::move(why));
  return make_error_code(errc::access_denied);
}

// Another user who can write the parent could rename our directory away and
// put theirs in its place; a sticky directory (/tmp) forbids that (12.5).
std::error_code check_parent(const std::string& parent, const struct stat& st) {
  const auto self = ::geteuid();
  if (st.st_uid != self && st.st_uid != 0)
    return refuse(fmt::format("'{}' belongs to uid {}, who could replace strait's directory in it",
                              parent, st.st_uid));
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0)
    return refuse(fmt::format("'{}' (mode {:04o}) can be written by other users and is not sticky",
                              parent, st.st_mode & 07777));
  return {};
}

// N2: the directory is ours and closed to everyone else (12.9: say whose it is).
std::error_code check_private(const std::string& path, const struct stat& st) {
  if (!S_ISDIR(st.st_mode))
    return refuse(fmt::format("'{}' is not a directory", path));
  if (st.st_uid != ::geteuid())
    return refuse(fmt::format("'{}' belongs to uid {}, not to this user (uid {}); remove it or "
                              "set XDG_RUNTIME_DIR",
                              path, st.st_uid, ::geteuid()));
  if ((st.st_mode & 077) != 0)
    return refuse(fmt::format("'{}' has mode {:04o}; strait needs 0700", path,
                              st.st_mode & 07777));
  return {};
}

// STRAIT_SOCKETS_THROUGH_PROC (CMake: STRAIT_POSIX_SOCKET_ADDRESS=proc, the
// Linux default): bind and connect reach the opened directory itself.
bool proc_reaches(int fd) {
#if defined(STRAIT_SOCKETS_THROUGH_PROC)
  return ::access(fmt::format("/proc/self/fd/{}/.", fd).c_str(), F_OK) == 0;
#else
  (void)fd;
  return false;
#endif
}

}  // namespace

runtime_location locate_runtime_directory(const char* xdg_runtime_dir, const char* tmpdir,
                                          unsigned long uid) {
  if (xdg_runtime_dir && *xdg_runtime_dir == '/')
    return {without_trailing_slashes(xdg_runtime_dir), "strait"};
  return {without_trailing_slashes(tmpdir && *tmpdir == '/' ? tmpdir : "/tmp"),
          fmt::format("strait-{}", uid)};
}

std::size_t socket_name_room(std::size_t directory_size, std::size_t sun_path_size) {
  // The shorter of both ways to reach the file, whichever this build uses:
  // every process on the machine names a socket file the same (N1).
  const std::size_t prefix = std::max(proc_prefix_size, directory_size + 1);
  return sun_path_size > prefix + 1 ? sun_path_size - 1 - prefix : 0;
}

std::string socket_file_name(std::string_view kind, std::string_view name, std::size_t room) {
  auto file = fmt::format("{}.{}", kind, name);
  if (file.size() <= room) return file;
  // N1: a long name keeps a readable prefix and gets a hash of the whole.
  const std::size_t fixed = kind.size() + 2 + hash_digits;
  if (fixed > room) return {};
  const auto prefix = name.substr(0, std::min(max_readable_prefix, room - fixed));
  return fmt::format("{}.{}~{:016x}", kind, prefix, stable_hash(name));
}

std::string helper_file_name(std::string_view socket_name, std::string_view role) {
  return fmt::format("{}+{}", socket_name, role);
}

std::shared_ptr<directory_handle> directory_handle::open_runtime(std::error_code& ec) {
  const auto where =
      locate_runtime_directory(std::getenv("XDG_RUNTIME_DIR"), std::getenv("TMPDIR"), ::geteuid());
  const int parent = ::open(where.parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (parent < 0) {
    ec = last_system_error();
    note_failure(fmt::format("cannot open '{}'", where.parent));
    return nullptr;
  }
  struct stat st{};
  if (::fstat(parent, &st) != 0)
    ec = last_system_error();
  else
    ec = check_parent(where.parent, st);
  if (!ec && ::mkdirat(parent, where.leaf.c_str(), 0700) != 0 && errno != EEXIST)
    ec = last_system_error();
  int fd = -1;
  if (!ec) {
    // O_NOFOLLOW: a symlink planted at the path is refused, not followed.
    fd = ::openat(parent, where.leaf.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
      ec = errno == ELOOP || errno == ENOTDIR
               ? refuse(fmt::format("'{}' is not a directory (a symlink?)", where.path()))
               : last_system_error();
  }
  ::close(parent);
  if (!ec && ::fstat(fd, &st) != 0) ec = last_system_error();
  if (!ec) ec = check_private(where.path(), st);
  if (ec) {
    if (fd >= 0) ::close(fd);
    return nullptr;
  }
  return std::shared_ptr<directory_handle>(
      new directory_handle(fd, where.path(), proc_reaches(fd), true));
}

std::shared_ptr<directory_handle> directory_handle::open_parent_of(const std::string& path,
                                                                   std::string& leaf,
                                                                   std::error_code& ec) {
  const auto slash = path.rfind('/');
  auto parent = path.substr(0, slash);
  if (parent.empty()) parent = "/";
  leaf = path.substr(slash + 1);
  if (leaf.empty() || leaf == "." || leaf == "..") {
    ec = make_error_code(errc::invalid_name);
    return nullptr;
  }
  const int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    ec = last_system_error();
    return nullptr;
  }
  ec = {};
  // A path the user chose is bound and connected as written: they chose
  // where it lives and who else can write there.
  return std::shared_ptr<directory_handle>(new directory_handle(fd, parent, false, false));
}

directory_handle::~directory_handle() {
  if (fd_ >= 0) ::close(fd_);
}

std::size_t directory_handle::socket_name_room() const noexcept {
  return detail::socket_name_room(path_.size(), sizeof(sockaddr_un{}.sun_path));
}

std::string directory_handle::socket_address(std::string_view file) const {
  if (through_proc_) return fmt::format("/proc/self/fd/{}/{}", fd_, file);
  return fmt::format("{}/{}", path_ == "/" ? "" : path_, file);
}

bool directory_handle::still_in_place() const noexcept {
  if (through_proc_ || !checked_) return true;
  struct stat opened{}, named{};
  return ::fstat(fd_, &opened) == 0 && ::lstat(path_.c_str(), &named) == 0 &&
         opened.st_dev == named.st_dev && opened.st_ino == named.st_ino;
}

}  // namespace strait::detail
