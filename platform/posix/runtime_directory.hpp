// The per-user runtime directory of the POSIX backends (N2), opened once and
// then used through its descriptor: a directory swapped after the check is
// never the one used (issue 12.5).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

namespace strait::detail {

// Where the directory is for an environment: $XDG_RUNTIME_DIR/strait when
// XDG_RUNTIME_DIR is absolute (the user's own, not shared), else
// ${TMPDIR:-/tmp}/strait-<uid>. Pure, for tests.
struct runtime_location {
  std::string parent;  // without a trailing '/'
  std::string leaf;
  std::string path() const { return parent + "/" + leaf; }
};
runtime_location locate_runtime_directory(const char* xdg_runtime_dir, const char* tmpdir,
                                          unsigned long uid);

// The bytes left in a sun_path of `sun_path_size` bytes (NUL included) for
// a socket file's name in a directory whose path has `directory_size`
// bytes, reached either through that path or through /proc/self/fd/N/.
std::size_t socket_name_room(std::size_t directory_size, std::size_t sun_path_size);

// The name of the socket file of `name` of transport `kind`: "KIND.NAME"
// when it fits in `room` bytes, else "KIND.PREFIX~HASH" (N1: deterministic,
// the same in every process). Empty when even that does not fit.
std::string socket_file_name(std::string_view kind, std::string_view name, std::size_t room);

// The name of a helper file (lock, published maximum, instance slots) of the
// socket file `socket_name`. The '+' lies outside the name grammar, so no
// valid NAME's socket file is another name's helper file (issue 12.7).
std::string helper_file_name(std::string_view socket_name, std::string_view role);

// An open directory: the runtime directory, or the directory of a socket
// file at a path the user chose (unix:///PATH).
class directory_handle {
 public:
  // The user's runtime directory, created 0700 if missing. access_denied when
  // it is not ours or open to others, or when its parent can be written by
  // another user and is not sticky; the reason, with the path and its owner,
  // goes to note_failure().
  static std::shared_ptr<directory_handle> open_runtime(std::error_code& ec);

  // The directory holding `path` (followed as the user wrote it).
  static std::shared_ptr<directory_handle> open_parent_of(const std::string& path,
                                                          std::string& leaf,
                                                          std::error_code& ec);

  directory_handle(const directory_handle&) = delete;
  directory_handle& operator=(const directory_handle&) = delete;
  ~directory_handle();

  int fd() const noexcept { return fd_; }
  const std::string& path() const noexcept { return path_; }

  // Bytes left in sun_path for a socket file name in this directory.
  std::size_t socket_name_room() const noexcept;

  // The address bind() and connect() use for `file` in this directory:
  // through /proc/self/fd/N on Linux (the opened directory, whatever its
  // path now names), else its path, to be followed by still_in_place().
  std::string socket_address(std::string_view file) const;

  // Whether the directory's path still names the opened directory (a check
  // after a bind or connect by path). Always true for a chosen path's
  // directory: the user's path is followed as written, symlinks included.
  bool still_in_place() const noexcept;

 private:
  directory_handle(int fd, std::string path, bool through_proc, bool checked)
      : fd_(fd), path_(std::move(path)), through_proc_(through_proc), checked_(checked) {}

  int fd_ = -1;
  std::string path_;
  bool through_proc_ = false;
  bool checked_ = false;  // the runtime directory: its path must still name it
};

}  // namespace strait::detail
