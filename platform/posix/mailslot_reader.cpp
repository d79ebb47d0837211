// The reading end of mailslot:// on POSIX (see mailslot.hpp).
//
// Next size (M4): Linux reports a datagram's length with MSG_PEEK|MSG_TRUNC;
// elsewhere the reader peeks into a buffer one byte over its maximum (FIONREAD
// counts every queued byte on BSD and macOS, not the next datagram).
// Pending count (M4): the kernel does not count datagrams, so pending()
// moves what is queued into the reader's own queue and counts exactly.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include <asio/local/datagram_protocol.hpp>

#include "kernel_timeout.hpp"
#include "local_socket.hpp"
#include "mailslot.hpp"
#include "mailslot_backend.hpp"
#include "posting.hpp"
#include "socket_support.hpp"

namespace strait::detail {
namespace {

using datagram = asio::local::datagram_protocol;

// pending() holds at most this much in the process; past it the count is a
// lower bound (the rest waits in the kernel, its writers blocked).
constexpr std::size_t max_held_messages = 65536;

class posix_mailslot_reader final : public mailslot_reader {
 public:
  posix_mailslot_reader(asio::io_context& io, const std::string& name, std::size_t max,
                        datagram::socket socket, name_lock lock, socket_place place)
      : mailslot_reader(io, "mailslot://" + name, max),
        socket_(std::move(socket)),
        lock_(std::move(lock)),
        place_(std::move(place)),
        scratch_(max + 1) {}

  ~posix_mailslot_reader() override { close(); }

  native_handle_type native_handle() const override {
    return const_cast<datagram::socket&>(socket_).native_handle();
  }

 protected:
  // One system call, waiting or not (issue 13): a blocking receive, its
  // deadline the socket's SO_RCVTIMEO (kernel_timeout.hpp).
  std::vector<std::byte> fetch(deadline until, std::error_code& ec) override {
    block_for_sync_call(socket_, fetching_);
    for (;;) {
      bool taken = false;
      const int flags = kernel_timeout_flags(fd(), socket_wait::read, receive_timeout_, until);
      auto message = take(flags, taken, ec);
      if (ec || taken) return message;
      if ((ec = wait_after_would_block(fd(), socket_wait::read, until))) return {};
    }
  }

  // Tries the queue first: a reader serving many writers usually finds the
  // next datagram there, and then skips the reactor's epoll_ctl and
  // epoll_wait (issue 13). Unlike a stream's, a datagram read wakes no
  // sender blocked elsewhere, so reading early costs nothing.
  void async_fetch(message_completion done) override {
    std::error_code ec;
    bool taken = false;
    auto message = take(MSG_DONTWAIT, taken, ec);
    if (ec || taken) {
      post_to(socket_.get_executor(),
              [done = std::move(done), ec, message = std::move(message)]() mutable {
                done(ec, std::move(message));
              });
      return;
    }
    wait_then_fetch(std::move(done));
  }

  void wait_then_fetch(message_completion done) {
    fetching_ = true;
    socket_.async_wait(datagram::socket::wait_read,
                       [self = std::static_pointer_cast<posix_mailslot_reader>(shared_from_this()),
                        done = std::move(done)](const std::error_code& e) mutable {
                         self->fetching_ = false;
                         if (e) {
                           const auto ec = e == asio::error::operation_aborted
                                               ? make_error_code(errc::operation_aborted)
                                               : map_error(e);
                           return done(ec, {});
                         }
                         std::error_code ec;
                         bool taken = false;
                         auto message = self->take(MSG_DONTWAIT, taken, ec);
                         if (ec || taken) return done(ec, std::move(message));
                         self->wait_then_fetch(std::move(done));  // woken for nothing
                       });
  }

  void cancel_fetch() override {
    std::error_code ignored;
    socket_.cancel(ignored);
  }

  std::optional<std::size_t> system_next_size(std::error_code& ec) override {
    return peek_size(ec);
  }

  std::size_t system_pending(std::error_code& ec) override {
    ec = {};
    while (held_count() < max_held_messages) {
      const auto size = peek_size(ec);
      if (ec || !size) return 0;
      // An oversized datagram stays queued: its receive reports it (M3).
      if (*size > max_message_size()) return 1;
      bool taken = false;
      auto message = take(MSG_DONTWAIT, taken, ec);
      if (ec || !taken) return 0;
      hold(std::move(message));
    }
    return 0;
  }

  void close_system() override {
    if (!socket_.is_open()) return;
    ::unlinkat(place_.directory->fd(), place_.helper(mailslot_max_role).c_str(), 0);
    lock_.release();  // removes the socket file and the lock: the name is free (M2)
    std::error_code ignored;
    socket_.close(ignored);
  }

 private:
  int fd() const { return const_cast<datagram::socket&>(socket_).native_handle(); }

  // The length of the next datagram without taking it; nullopt when none.
  std::optional<std::size_t> peek_size(std::error_code& ec) {
    for (;;) {
#if defined(__linux__)
      const auto n = ::recv(fd(), nullptr, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
#else
      iovec iov{scratch_.data(), scratch_.size()};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      auto n = ::recvmsg(fd(), &msg, MSG_PEEK | MSG_DONTWAIT);
      if (n >= 0 && (msg.msg_flags & MSG_TRUNC)) n = static_cast<ssize_t>(scratch_.size()) + 1;
#endif
      if (n >= 0) {
        ec = {};
        return static_cast<std::size_t>(n);
      }
      if (errno == EINTR) continue;
      if (would_block(errno)) {
        ec = {};
        return std::nullopt;
      }
      ec = last_system_error();
      return std::nullopt;
    }
  }

  // Takes the next datagram whole (`taken`), in one call with `flags`; none
  // when the call would have had to wait longer. It lands in scratch_ (room
  // for one byte over the maximum) and is copied out at its size: no peek at
  // the size first, and no more work per byte than zeroing a message of
  // that size for the call to fill. One over the maximum is dropped:
  // message_too_large (M3, a writer that did not check).
  std::vector<std::byte> take(int flags, bool& taken, std::error_code& ec) {
    taken = false;
    for (;;) {
      iovec iov{scratch_.data(), scratch_.size()};
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      const auto n = ::recvmsg(fd(), &msg, flags);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ec = would_block(errno) ? std::error_code{} : last_system_error();
        return {};
      }
      ec = {};
      taken = true;
      const auto size = static_cast<std::size_t>(n);
      if (size > max_message_size() || (msg.msg_flags & MSG_TRUNC)) {
        ec = make_error_code(errc::message_too_large);
        return {};
      }
      return std::vector<std::byte>(scratch_.begin(),
                                    scratch_.begin() + static_cast<std::ptrdiff_t>(size));
    }
  }

  datagram::socket socket_;
  name_lock lock_;
  socket_place place_;
  std::vector<std::byte> scratch_;  // max + 1 bytes: every datagram lands here first
  std::chrono::microseconds receive_timeout_{0};  // SO_RCVTIMEO, as fetch set it last
  bool fetching_ = false;  // an async fetch is pending
};

}  // namespace

std::shared_ptr<mailslot_reader> create_local_mailslot(asio::io_context& io,
                                                       const std::string& name,
                                                       std::size_t max_message_size,
                                                       std::error_code& ec) {
  auto place = local_socket_place("mailslot", name, ec);
  if (!place) return nullptr;
  auto lock = name_lock::acquire(*place, ec);  // M2: already_exists while a reader lives
  if (ec) return nullptr;
  // Writers read the maximum before they connect (M3).
  if ((ec = publish_helper(*place, mailslot_max_role, std::to_string(max_message_size))))
    return nullptr;

  datagram::socket socket(io);
  std::error_code e;
  socket.open(datagram(), e);
  ec = e ? map_error(e) : bind_socket_file(socket.native_handle(), SOCK_DGRAM, *place, lock);
  if (ec) {
    ::unlinkat(place->directory->fd(), place->helper(mailslot_max_role).c_str(), 0);
    return nullptr;
  }
  keep_from_children(socket.native_handle());
  // Room for at least a few messages of the maximum size: macOS's default
  // receive space (a few KiB) would refuse a large datagram outright.
  int room = 0;
  socklen_t len = sizeof(room);
  const auto wanted = static_cast<int>(4 * (max_message_size + datagram_overhead));
  if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVBUF, &room, &len) == 0 &&
      room < wanted)
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVBUF, &wanted, sizeof(wanted));
  ec = {};
  return std::make_shared<posix_mailslot_reader>(io, name, max_message_size, std::move(socket),
                                                 std::move(lock), std::move(*place));
}

}  // namespace strait::detail
