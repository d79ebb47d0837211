// Naming and ownership of AF_UNIX socket files, shared by unix:// and the
// POSIX fallbacks of pipe:// and mailslot://.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <asio/local/stream_protocol.hpp>

#include "backend.hpp"

namespace strait::detail {

// The per-user runtime directory, created 0700 on first use (N2):
// $XDG_RUNTIME_DIR/strait, else ${TMPDIR:-/tmp}/strait-<uid>. A directory
// there that is not ours, or open to others, is access_denied.
std::string runtime_directory(std::error_code& ec);

// Where the socket file for `name` of transport `kind` lives: an absolute
// path is used as is; a name goes in the runtime directory, hashed when the
// result would not fit in sun_path (N1).
std::string local_socket_path(std::string_view kind, std::string_view name,
                              std::error_code& ec);

// Exclusive ownership of a name, held for a listener's lifetime as an flock
// on "<path>.lock". The kernel drops the lock of a crashed process, so a
// name left behind by a crash is free again (C7).
class name_lock {
 public:
  name_lock() = default;
  name_lock(name_lock&& other) noexcept;
  name_lock& operator=(name_lock&& other) noexcept;
  ~name_lock();

  // already_exists when a live process holds the name.
  static name_lock acquire(const std::string& path, std::error_code& ec);

  // Removes `path` and the lock file, then lets go of the name.
  void release() noexcept;

 private:
  name_lock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_ = -1;
};

using local_stream = asio::local::stream_protocol;

// The pid and uid of the process at the other end of a connected AF_UNIX socket.
peer_info local_peer(local_stream::socket& socket) noexcept;

// A listening socket at `path`, private to this user (0600, N2), that owns
// its name (C7: already_exists while a live process serves it; a socket file
// left by a crashed one is reclaimed).
struct local_binding {
  local_stream::acceptor acceptor;
  name_lock lock;
};
std::optional<local_binding> bind_local_socket(asio::io_context& io, const std::string& path,
                                               std::error_code& ec);

// A socket connected to `path`: not_found when nobody serves it (C5); a full
// accept queue is pipe_busy, waited out while `options.timeout` allows.
std::optional<local_stream::socket> connect_local_socket(asio::io_context& io,
                                                         const std::string& path,
                                                         const connect_options& options,
                                                         std::error_code& ec);

}  // namespace strait::detail
