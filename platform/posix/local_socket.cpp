#include "local_socket.hpp"
#include "socket_support.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <thread>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace strait::detail {
namespace {

constexpr std::size_t max_socket_path = sizeof(sockaddr_un{}.sun_path) - 1;

// Creates `dir` 0700 if missing and checks it is ours and private (N2).
std::error_code ensure_private_directory(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return last_system_error();
  struct stat st{};
  if (::lstat(dir.c_str(), &st) != 0) return last_system_error();
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0)
    return make_error_code(errc::access_denied);
  return {};
}

// FNV-1a: a stable 64-bit hash, the same on every platform and run.
std::uint64_t stable_hash(std::string_view s) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

std::string runtime_directory(std::error_code& ec) {
  std::string dir;
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg == '/') {
    dir = fmt::format("{}/strait", xdg);
  } else {
    const char* tmp = std::getenv("TMPDIR");
    dir = fmt::format("{}/strait-{}", tmp && *tmp == '/' ? tmp : "/tmp", ::geteuid());
  }
  ec = ensure_private_directory(dir);
  return ec ? std::string{} : dir;
}

std::string local_socket_path(std::string_view kind, std::string_view name,
                              std::error_code& ec) {
  if (name.starts_with('/')) {
    ec = {};
    return std::string(name);
  }
  const auto dir = runtime_directory(ec);
  if (ec) return {};
  auto path = fmt::format("{}/{}.{}", dir, kind, name);
  if (path.size() <= max_socket_path) return path;
  // N1: a long name keeps a readable prefix and gets a hash of the whole.
  path = fmt::format("{}/{}.{:.16}~{:016x}", dir, kind, name, stable_hash(name));
  if (path.size() > max_socket_path) {
    ec = make_error_code(errc::invalid_name);  // the runtime directory itself is too deep
    return {};
  }
  return path;
}

name_lock::name_lock(name_lock&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

name_lock& name_lock::operator=(name_lock&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

name_lock::~name_lock() { release(); }

name_lock name_lock::acquire(const std::string& path, std::error_code& ec) {
  const auto lock_path = path + ".lock";
  for (;;) {
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      ec = last_system_error();
      return {};
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ec = errno == EWOULDBLOCK ? make_error_code(errc::already_exists)
                                : last_system_error();
      ::close(fd);
      return {};
    }
    // The holder we waited on may have unlinked the file before unlocking:
    // then we locked a dead inode and must try the new file (if any).
    struct stat held{}, named{};
    if (::fstat(fd, &held) == 0 && ::stat(lock_path.c_str(), &named) == 0 &&
        held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
      ec = {};
      return name_lock(path, fd);
    }
    ::close(fd);
  }
}

void name_lock::release() noexcept {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());
  ::unlink((path_ + ".lock").c_str());
  ::close(std::exchange(fd_, -1));
}

peer_info local_peer(local_stream::socket& s) noexcept {
  const int socket = s.native_handle();
  peer_info peer;
#if defined(SO_PEERCRED)
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
    peer.pid = static_cast<std::uint64_t>(cred.pid);
    peer.uid = cred.uid;
  }
#else
  uid_t uid{};
  gid_t gid{};
  if (::getpeereid(socket, &uid, &gid) == 0) peer.uid = uid;
#if defined(LOCAL_PEERPID)
  pid_t pid{};
  socklen_t len = sizeof(pid);
  if (::getsockopt(socket, SOL_LOCAL, LOCAL_PEERPID, &pid, &len) == 0)
    peer.pid = static_cast<std::uint64_t>(pid);
#endif
#endif
  if (peer.uid) peer.user = std::to_string(*peer.uid);
  return peer;
}

std::optional<local_binding> bind_local_socket(asio::io_context& io, const std::string& path,
                                               std::error_code& ec) {
  auto lock = name_lock::acquire(path, ec);
  if (ec) return std::nullopt;
  ::unlink(path.c_str());  // only a crashed owner can have left it: we hold the name

  local_stream::acceptor acceptor(io);
  std::error_code e;
  acceptor.open(local_stream(), e);
  if (!e) keep_from_children(acceptor.native_handle());
  if (!e) acceptor.bind(local_stream::endpoint(path), e);
  if (!e && ::chmod(path.c_str(), 0600) != 0) e = last_system_error();
  if (!e) acceptor.listen(asio::socket_base::max_listen_connections, e);
  if (e) {
    ec = map_error(e);
    return std::nullopt;
  }
  return local_binding{std::move(acceptor), std::move(lock)};
}

std::optional<local_stream::socket> connect_local_socket(asio::io_context& io,
                                                         const std::string& path,
                                                         const connect_options& options,
                                                         std::error_code& ec) {
  const auto until = deadline_after(options.timeout);
  for (;;) {
    local_stream::socket socket(io);
    std::error_code e;
    socket.open(local_stream(), e);
    if (!e) socket.non_blocking(true, e);  // a full queue answers EAGAIN, not a wait
    if (!e) socket.connect(local_stream::endpoint(path), e);
    ec = map_error(e);
    if (!ec) return socket;
    if (ec != errc::pipe_busy || !options.timeout) return std::nullopt;
    if (clock::now() >= until) {
      ec = make_error_code(errc::timed_out);
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace strait::detail
