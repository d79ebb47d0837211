#include "local_socket.hpp"
#include "socket_support.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>
#include <thread>
#include <utility>

#include <fmt/format.h>

namespace strait::detail {
namespace {

bool fill_address(sockaddr_un& addr, const std::string& address) {
  addr = {};
  addr.sun_family = AF_UNIX;
  if (address.size() >= sizeof(addr.sun_path)) return false;
  std::memcpy(addr.sun_path, address.c_str(), address.size() + 1);
  return true;
}

int connect_to(int s, const std::string& address) {
  sockaddr_un addr{};
  if (!fill_address(addr, address)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  int r;
  do {
    r = ::connect(s, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  } while (r != 0 && errno == EINTR);
  return r;
}

// 12.8: only a socket that nobody answers is stale; answered, refused for a
// full queue or of another type, it is someone's live socket.
std::error_code remove_if_stale(const socket_place& place, int type) {
  const int dir = place.directory->fd();
  struct stat st{};
  if (::fstatat(dir, place.file.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT ? std::error_code{} : last_system_error();
  if (!S_ISSOCK(st.st_mode)) {
    note_failure(fmt::format("'{}' exists and is not a socket", place.path()));
    return make_error_code(errc::already_exists);
  }
  const int probe = ::socket(AF_UNIX, type, 0);
  if (probe < 0) return last_system_error();
  keep_from_children(probe);
  const int answered = connect_to(probe, place.address());
  const int why = errno;
  ::close(probe);
  if (answered != 0 && (why == ECONNREFUSED || why == ENOENT)) {
    if (::unlinkat(dir, place.file.c_str(), 0) != 0 && errno != ENOENT)
      return last_system_error();
    return {};
  }
  note_failure(fmt::format("'{}' is a socket another program serves", place.path()));
  return make_error_code(errc::already_exists);
}

}  // namespace

std::error_code confirm_place(const socket_place& place) {
  if (place.directory->still_in_place()) return {};
  note_failure(fmt::format("'{}' was replaced while in use", place.directory->path()));
  return make_error_code(errc::access_denied);
}

std::string socket_place::helper(std::string_view role) const {
  return chosen_path ? fmt::format("{}.{}", file, role) : helper_file_name(file, role);
}

std::string socket_place::path() const {
  const auto& dir = directory->path();
  return fmt::format("{}/{}", dir == "/" ? "" : dir, file);
}

std::optional<socket_place> local_socket_place(std::string_view kind, std::string_view name,
                                               std::error_code& ec) {
  socket_place place;
  if (name.starts_with('/')) {
    place.directory = directory_handle::open_parent_of(std::string(name), place.file, ec);
    place.chosen_path = true;
    if (!place.directory) return std::nullopt;
    return place;
  }
  place.directory = directory_handle::open_runtime(ec);
  if (!place.directory) return std::nullopt;
  place.file = socket_file_name(kind, name, place.directory->socket_name_room());
  if (place.file.empty()) {
    note_failure(fmt::format("the runtime directory '{}' is too deep for a socket address",
                             place.directory->path()));
    ec = make_error_code(errc::invalid_name);
    return std::nullopt;
  }
  ec = {};
  return place;
}

std::string local_socket_path(std::string_view kind, std::string_view name,
                              std::error_code& ec) {
  const auto place = local_socket_place(kind, name, ec);
  return place ? place->path() : std::string{};
}

int open_helper(const socket_place& place, std::string_view role, int flags) {
  return ::openat(place.directory->fd(), place.helper(role).c_str(),
                  flags | O_NOFOLLOW | O_CLOEXEC, 0600);
}

std::error_code publish_helper(const socket_place& place, std::string_view role,
                               std::string_view text) {
  const auto aside = fmt::format("{}+tmp", role);
  const int fd = open_helper(place, aside, O_WRONLY | O_CREAT | O_TRUNC);
  if (fd < 0) return last_system_error();
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  const int dir = place.directory->fd();
  if (!written ||
      ::renameat(dir, place.helper(aside).c_str(), dir, place.helper(role).c_str()) != 0)
    return last_system_error();
  return {};
}

std::size_t read_helper_number(const socket_place& place, std::string_view role) {
  const int fd = open_helper(place, role, O_RDONLY | O_NONBLOCK);
  if (fd < 0) return 0;
  char text[24];
  const auto n = ::read(fd, text, sizeof(text));
  ::close(fd);
  std::size_t number = 0;
  if (n > 0) std::from_chars(text, text + n, number);
  return number;
}

name_lock::name_lock(name_lock&& other) noexcept
    : place_(std::move(other.place_)),
      fd_(std::exchange(other.fd_, -1)),
      socket_(std::exchange(other.socket_, std::nullopt)) {}

name_lock& name_lock::operator=(name_lock&& other) noexcept {
  if (this != &other) {
    release();
    place_ = std::move(other.place_);
    fd_ = std::exchange(other.fd_, -1);
    socket_ = std::exchange(other.socket_, std::nullopt);
  }
  return *this;
}

name_lock::~name_lock() { release(); }

name_lock name_lock::acquire(const socket_place& place, std::error_code& ec) {
  const auto lock_file = place.helper("lock");
  for (;;) {
    const int fd = open_helper(place, "lock", O_RDWR | O_CREAT);
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
    if (::fstat(fd, &held) == 0 &&
        ::fstatat(place.directory->fd(), lock_file.c_str(), &named, AT_SYMLINK_NOFOLLOW) == 0 &&
        held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
      ec = {};
      return name_lock(place, fd);
    }
    ::close(fd);
  }
}

bool name_lock::is_held(const socket_place& place) {
  const int fd = open_helper(place, "lock", O_RDONLY);
  if (fd < 0) return false;
  // A shared lock taken and dropped at once; the only cost is that a
  // listener reclaiming a stale name in that instant sees it taken.
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return held;
}

void name_lock::bound(dev_t device, ino_t inode) noexcept { socket_ = {device, inode}; }

void name_lock::release() noexcept {
  if (fd_ < 0) return;
  const int dir = place_.directory->fd();
  struct stat st{};
  if (socket_ && ::fstatat(dir, place_.file.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      st.st_dev == socket_->first && st.st_ino == socket_->second)
    ::unlinkat(dir, place_.file.c_str(), 0);
  ::unlinkat(dir, place_.helper("lock").c_str(), 0);
  ::close(std::exchange(fd_, -1));
  socket_.reset();
}

std::error_code bind_socket_file(int s, int type, const socket_place& place, name_lock& lock) {
  if (const auto e = remove_if_stale(place, type)) return e;
  // Bound under a name of the same length (it fits where the name fits; no
  // socket file or helper starts with '+'), then linked to its name once a
  // client can connect: a connect never finds a socket that refuses it for
  // being half set up, which reads as busy (C5).
  socket_place aside = place;
  aside.file.front() = '+';
  if (const auto e = remove_if_stale(aside, type)) return e;  // a crash's leftover
  sockaddr_un addr{};
  if (!fill_address(addr, aside.address())) return make_error_code(errc::invalid_name);
  if (::bind(s, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0)
    return last_system_error();
  const int dir = place.directory->fd();
  const auto unbind = [&](std::error_code e) {
    ::unlinkat(dir, aside.file.c_str(), 0);
    return e;
  };
  if (const auto e = confirm_place(place)) return unbind(e);
  struct stat st{};
  if (::fstatat(dir, aside.file.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return unbind(last_system_error());
  if (!S_ISSOCK(st.st_mode)) return make_error_code(errc::access_denied);
  if (::fchmodat(dir, aside.file.c_str(), 0600, 0) != 0) return unbind(last_system_error());
  if (type == SOCK_STREAM && ::listen(s, SOMAXCONN) != 0) return unbind(last_system_error());
  if (::linkat(dir, aside.file.c_str(), dir, place.file.c_str(), 0) != 0) {
    const int why = errno;
    if (why != EEXIST) return unbind(map_system_error(why));
    note_failure(fmt::format("'{}' appeared while strait was binding it", place.path()));
    return unbind(make_error_code(errc::already_exists));
  }
  lock.bound(st.st_dev, st.st_ino);
  return unbind({});
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

std::optional<local_binding> bind_local_socket(asio::io_context& io, const socket_place& place,
                                               std::error_code& ec) {
  auto lock = name_lock::acquire(place, ec);
  if (ec) return std::nullopt;

  local_stream::acceptor acceptor(io);
  std::error_code e;
  acceptor.open(local_stream(), e);
  if (e) {
    ec = map_error(e);
    return std::nullopt;
  }
  keep_from_children(acceptor.native_handle());
  if ((ec = bind_socket_file(acceptor.native_handle(), SOCK_STREAM, place, lock)))
    return std::nullopt;
  return local_binding{std::move(acceptor), std::move(lock)};
}

errc refused_connect_means(bool socket_file_present, bool name_held) noexcept {
  return socket_file_present && name_held ? errc::pipe_busy : errc::not_found;
}

std::optional<local_stream::socket> connect_local_socket(asio::io_context& io,
                                                         const socket_place& place,
                                                         const connect_options& options,
                                                         std::error_code& ec) {
  const auto until = deadline_after(options.timeout);
  const auto socket_file = [&place](struct stat& st) {
    return ::fstatat(place.directory->fd(), place.file.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           S_ISSOCK(st.st_mode);
  };
  for (;;) {
    local_stream::socket socket(io);
    std::error_code e;
    socket.open(local_stream(), e);
    if (!e) socket.non_blocking(true, e);  // a full queue answers EAGAIN, not a wait
    if (e) {
      ec = map_error(e);
      return std::nullopt;
    }
    struct stat before{};
    const bool was_there = socket_file(before);
    if (connect_to(socket.native_handle(), place.address()) == 0) {
      if ((ec = confirm_place(place))) return std::nullopt;
      return socket;
    }
    const int why = errno;
    ec = map_system_error(why);
    if (why == ECONNREFUSED) {
      // Busy only when the socket that refused is the one named now: a
      // closing listener's refusal, seen after the next one took the name,
      // is no answer about the new one, so that one is tried (C5).
      struct stat now{};
      const bool present = socket_file(now);
      if (present && !(was_there && now.st_dev == before.st_dev && now.st_ino == before.st_ino))
        continue;
      ec = make_error_code(refused_connect_means(present, present && name_lock::is_held(place)),
                           why);
    }
    if (ec != errc::pipe_busy || !options.timeout) return std::nullopt;
    if (clock::now() >= until) {
      ec = make_error_code(errc::timed_out);
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace strait::detail
