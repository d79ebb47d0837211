// The writing end of mailslot:// on POSIX (see mailslot.hpp): a datagram
// socket connected to the reader's, one send per message.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include <asio/local/datagram_protocol.hpp>
#include <asio/steady_timer.hpp>

#include "kernel_timeout.hpp"
#include "local_socket.hpp"
#include "mailslot.hpp"
#include "mailslot_backend.hpp"
#include "no_sigpipe.hpp"
#include "posting.hpp"
#include "socket_support.hpp"

namespace strait::detail {
namespace {

using datagram = asio::local::datagram_protocol;
using namespace std::chrono_literals;

// macOS answers a full receiver with ENOBUFS at once instead of blocking,
// and poll() does not say when room comes back: retry at this pace.
constexpr auto full_receiver_retry = 1ms;

enum class send_result { sent, would_block, receiver_full, failed };

class posix_mailslot_writer final : public channel_backend,
                                    public std::enable_shared_from_this<posix_mailslot_writer> {
 public:
  posix_mailslot_writer(datagram::socket socket, std::string url, std::size_t max)
      : socket_(std::move(socket)), retry_(socket_.get_executor()), url_(std::move(url)), max_(max) {
    prepare_socket(socket_.native_handle());
  }

  ~posix_mailslot_writer() override { close(); }

  asio::any_io_executor get_executor() const override {
    return const_cast<datagram::socket&>(socket_).get_executor();
  }

  strait::capabilities capabilities() const override {
    strait::capabilities caps;
    caps.can_receive = false;  // M1
    caps.max_message_size = max_;
    return caps;
  }

  // One system call, waiting or not (issue 13): a blocking send, its
  // deadline the socket's SO_SNDTIMEO (kernel_timeout.hpp).
  void send(asio::const_buffer message, deadline until, std::error_code& ec) override {
    if ((ec = check(message))) return;
    block_for_sync_call(socket_, sending_);
    for (;;) {
      const int flags = kernel_timeout_flags(fd(), socket_wait::write, send_timeout_, until);
      switch (try_send(message, flags, ec)) {
        case send_result::sent:
        case send_result::failed: return;
        case send_result::would_block:
          if ((ec = wait_after_would_block(fd(), socket_wait::write, until))) return;
          break;
        case send_result::receiver_full:
          if (clock::now() >= until) {
            ec = make_error_code(errc::timed_out);
            return;
          }
          std::this_thread::sleep_for(full_receiver_retry);
          break;
      }
    }
  }

  void async_send(asio::const_buffer message, size_completion done) override {
    std::error_code ec = check(message);
    if (!ec && sending_) ec = make_error_code(errc::invalid_argument);  // one at a time
    if (ec) return post(std::move(done), ec);
    sending_ = true;
    continue_send(message, cancel_epoch_, std::make_shared<size_completion>(std::move(done)),
                  true);
  }

  std::size_t receive(asio::mutable_buffer, deadline, std::error_code& ec) override {
    ec = make_error_code(errc::access_denied);  // M1: only the reader receives
    return 0;
  }

  void async_receive(asio::mutable_buffer, size_completion done) override {
    post(std::move(done), make_error_code(errc::access_denied));  // M1
  }

  void cancel() override {
    ++cancel_epoch_;
    std::error_code ignored;
    socket_.cancel(ignored);
    retry_.cancel();
  }

  void close() override {
    if (!socket_.is_open()) return;
    cancel();
    std::error_code ignored;
    socket_.close(ignored);
  }

  bool is_open() const override { return socket_.is_open(); }
  std::string endpoint() const override { return url_; }
  native_handle_type native_handle() const override {
    return const_cast<datagram::socket&>(socket_).native_handle();
  }

 private:
  int fd() const { return const_cast<datagram::socket&>(socket_).native_handle(); }

  std::error_code check(asio::const_buffer message) const {
    // M3: refused here, before anything is sent, whatever the system would take.
    if (message.size() > max_) return make_error_code(errc::message_too_large);
    if (!socket_.is_open()) return make_error_code(errc::broken_pipe);
    return {};
  }

  send_result try_send(asio::const_buffer message, int flags, std::error_code& ec) {
    for (;;) {
      const auto n = ::send(fd(), message.data(), message.size(), flags | no_sigpipe);
      if (n >= 0) {
        ec = {};
        return send_result::sent;
      }
      if (errno == EINTR) continue;
      if (would_block(errno)) return send_result::would_block;
      if (errno == ENOBUFS) return send_result::receiver_full;
      // The reader went away (its socket is gone, or a new one took the name).
      if (errno == ECONNREFUSED || errno == ENOTCONN || errno == EPIPE || errno == ECONNRESET)
        ec = make_error_code(errc::broken_pipe, errno);
      else
        ec = last_system_error();
      return send_result::failed;
    }
  }

  void continue_send(asio::const_buffer message, unsigned epoch,
                     std::shared_ptr<size_completion> done, bool initiating = false) {
    // In flight until its completion runs, even when sent at once: one at a time.
    auto finish = [this, done, initiating](std::error_code ec, std::size_t n) {
      if (initiating) {
        return post_to(socket_.get_executor(), [self = shared_from_this(), done, ec, n] {
          self->sending_ = false;
          (*done)(ec, n);
        });
      }
      sending_ = false;
      (*done)(ec, n);
    };
    if (epoch != cancel_epoch_ || !socket_.is_open())
      return finish(make_error_code(errc::operation_aborted), 0);
    std::error_code ec;
    const auto r = try_send(message, MSG_DONTWAIT, ec);
    if (r == send_result::sent || r == send_result::failed)
      return finish(ec, ec ? 0 : message.size());
    // Woken, cancelled or closed: the next attempt tells which (epoch, is_open).
    auto resume = [self = shared_from_this(), message, epoch, done](const std::error_code&) {
      self->continue_send(message, epoch, done);
    };
    if (r == send_result::would_block) {
      socket_.async_wait(datagram::socket::wait_write, resume);
    } else {
      retry_.expires_after(full_receiver_retry);
      retry_.async_wait(resume);
    }
  }

  void post(size_completion done, std::error_code ec, std::size_t n = 0) {
    post_to(socket_.get_executor(), [done = std::move(done), ec, n]() mutable { done(ec, n); });
  }

  datagram::socket socket_;
  asio::steady_timer retry_;
  std::string url_;
  std::size_t max_;
  std::chrono::microseconds send_timeout_{0};  // SO_SNDTIMEO, as the sync send set it last
  bool sending_ = false;
  unsigned cancel_epoch_ = 0;
};

}  // namespace

std::shared_ptr<channel_backend> connect_local_mailslot(asio::io_context& io,
                                                        const std::string& name,
                                                        const connect_options& options,
                                                        std::error_code& ec) {
  const auto place = local_socket_place("mailslot", name, ec);
  if (!place) return nullptr;
  datagram::socket socket(io);
  std::error_code e;
  socket.open(datagram(), e);
  // ENOENT: no socket file; ECONNREFUSED: a file nobody reads (a crashed reader).
  if (!e) socket.connect(datagram::endpoint(place->address()), e);
  if (e) {
    ec = map_error(e);
    return nullptr;
  }
  if ((ec = confirm_place(*place))) return nullptr;
  // M3: the reader's maximum, so that a message it would refuse is refused
  // here, before anything is sent.
  std::size_t max = std::min(options.max_message_size, mailslot_size_limit);
  if (const auto published = read_helper_number(*place, mailslot_max_role); published > 0)
    max = std::min(max, published);
  // A datagram may not exceed the send buffer (macOS: 2048 bytes by default).
  int room = 0;
  socklen_t len = sizeof(room);
  const auto wanted = static_cast<int>(max + datagram_overhead);
  if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDBUF, &room, &len) == 0 &&
      room < wanted)
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDBUF, &wanted, sizeof(wanted));
  ec = {};
  return std::make_shared<posix_mailslot_writer>(std::move(socket), "mailslot://" + name, max);
}

}  // namespace strait::detail
