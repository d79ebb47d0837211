// Naming and ownership of AF_UNIX socket files, shared by unix:// and the
// POSIX fallbacks of pipe:// and mailslot://.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <asio/local/stream_protocol.hpp>

#include "backend.hpp"
#include "runtime_directory.hpp"

namespace strait::detail {

// Where the socket file of a local name lives: an opened directory and the
// file's name in it. Every file operation goes through the directory's
// descriptor (*at calls), never through its path again (issue 12.5).
struct socket_place {
  std::shared_ptr<directory_handle> directory;
  std::string file;         // the socket file's name in `directory`
  bool chosen_path = false;  // unix:///PATH: the user's own path, helpers PATH.lock

  // The name of a helper file of the socket: "FILE+ROLE" in the runtime
  // directory (no valid NAME reaches it, 12.7); "PATH.ROLE" for a chosen path.
  std::string helper(std::string_view role) const;
  // The address bind() and connect() use.
  std::string address() const { return directory->socket_address(file); }
  // The socket file's full path, for messages and tests.
  std::string path() const;
};

// The place of `name` of transport `kind`: an absolute path is used as is;
// a name goes in the per-user runtime directory (runtime_directory.hpp),
// hashed when its address would not fit in sun_path (N1).
std::optional<socket_place> local_socket_place(std::string_view kind, std::string_view name,
                                               std::error_code& ec);

// The socket file's full path for `name` of transport `kind` (tests, messages).
std::string local_socket_path(std::string_view kind, std::string_view name,
                              std::error_code& ec);

// After a bind or connect by path: access_denied when the path no longer
// names the directory strait opened and checked (12.5: never used swapped).
std::error_code confirm_place(const socket_place& place);

// Opens helper file `role` of `place` without following a symlink (12.8).
int open_helper(const socket_place& place, std::string_view role, int flags);

// Writes `text` to helper file `role`, aside and renamed into place: a
// reader never sees it half-written.
std::error_code publish_helper(const socket_place& place, std::string_view role,
                               std::string_view text);

// The decimal number helper file `role` holds, or 0 when it cannot be read.
std::size_t read_helper_number(const socket_place& place, std::string_view role);

// Exclusive ownership of a name, held for a listener's lifetime as an flock
// on its lock file. The kernel drops the lock of a crashed process, so a
// name left behind by a crash is free again (C7).
class name_lock {
 public:
  name_lock() = default;
  name_lock(name_lock&& other) noexcept;
  name_lock& operator=(name_lock&& other) noexcept;
  ~name_lock();

  // already_exists when a live process holds the name.
  static name_lock acquire(const socket_place& place, std::error_code& ec);

  // Whether some process holds the lock of `place` now.
  static bool is_held(const socket_place& place);

  // The socket file this lock's owner bound: release() removes it only if
  // it is still that file.
  void bound(dev_t device, ino_t inode) noexcept;

  // Removes the bound socket file and the lock file, then lets go of the name.
  void release() noexcept;

 private:
  name_lock(socket_place place, int fd) : place_(std::move(place)), fd_(fd) {}
  socket_place place_;
  int fd_ = -1;
  std::optional<std::pair<dev_t, ino_t>> socket_;
};

// Binds `s` (an AF_UNIX socket of `type`, SOCK_STREAM or SOCK_DGRAM) at
// `place`, private to this user (0600, N2), while `lock` is held; a stream
// socket is listening by the time the name appears (C5). Whatever is at the
// place already must be a stale socket (nobody answers it): that is
// removed; a file, a directory or a live socket is already_exists (12.8).
std::error_code bind_socket_file(int s, int type, const socket_place& place, name_lock& lock);

using local_stream = asio::local::stream_protocol;

// The pid and uid of the process at the other end of a connected AF_UNIX socket.
peer_info local_peer(local_stream::socket& socket) noexcept;

// A listening socket at `place` that owns its name (C7: already_exists while
// a live process serves it; a socket file left by a crashed one is reclaimed).
struct local_binding {
  local_stream::acceptor acceptor;
  name_lock lock;
};
std::optional<local_binding> bind_local_socket(asio::io_context& io, const socket_place& place,
                                               std::error_code& ec);

// What a refused connect means (15.13): macOS refuses with ECONNREFUSED
// when a live listener's queue is full, where Linux answers EAGAIN. A
// refusal is busy when the socket file is there and its name is held.
errc refused_connect_means(bool socket_file_present, bool name_held) noexcept;

// A socket connected to `place`: not_found when nobody serves it (C5); a
// full accept queue is pipe_busy, waited out while `options.timeout` allows.
std::optional<local_stream::socket> connect_local_socket(asio::io_context& io,
                                                         const socket_place& place,
                                                         const connect_options& options,
                                                         std::error_code& ec);

}  // namespace strait::detail
