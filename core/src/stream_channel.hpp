// A message channel over a byte stream socket (tcp://, unix://, POSIX pipe://):
// messages as frames (stream_frame.hpp), received through a frame reader
// (stream_frame_reader.hpp), over a socket that asio's async operations and
// the blocking calls of socket_support.hpp share. Large payloads are read
// straight into the caller's buffer.
#pragma once

#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>

#include "asio_errors.hpp"
#include "backend.hpp"
#include "socket_support.hpp"
#include "stream_frame.hpp"
#include "stream_frame_reader.hpp"

namespace strait::detail {

// When an asynchronous receive reads before it waits. Each wait costs an
// epoll_ctl: asio re-arms the descriptor for it. A server that starts its
// next receive from its send's completion often finds its peer's next
// message there already; then reading first spares the wait. A try that
// finds nothing makes the next receives wait first, twice as many after each
// miss in a row (up to 64): a ping-pong peer, whose message is never there
// yet, pays for a try only now and then (issue 13).
class read_first_pacing {
 public:
  bool try_now() noexcept {
    if (waits_before_next_try_ == 0) return true;
    --waits_before_next_try_;
    return false;
  }

  void tried(bool found) noexcept {
    if (found) {
      waits_after_a_miss_ = 1;
    } else {
      waits_before_next_try_ = waits_after_a_miss_;
      waits_after_a_miss_ = std::min(2 * waits_after_a_miss_, max_waits_after_a_miss);
    }
  }

 private:
  static constexpr unsigned max_waits_after_a_miss = 64;
  unsigned waits_before_next_try_ = 0;
  unsigned waits_after_a_miss_ = 1;
};

template <class Protocol>
class stream_channel final : public channel_backend,
                             public std::enable_shared_from_this<stream_channel<Protocol>> {
 public:
  using socket_type = typename Protocol::socket;

  // `on_close` lets go of what the transport holds for this connection.
  stream_channel(socket_type socket, std::string url, std::size_t max_message_size,
                 peer_info peer, std::function<void()> on_close = {})
      : socket_(std::move(socket)),
        url_(std::move(url)),
        max_message_size_(std::min<std::size_t>(max_message_size, UINT32_MAX)),
        peer_(std::move(peer)),
        on_close_(std::move(on_close)),
        frames_(max_message_size_) {
    prepare_socket(socket_.native_handle());
    // Through asio, which must know the mode (socket_support.hpp); a
    // connected socket comes non-blocking, and on macOS an accepted one too.
    std::error_code ignored;
    socket_.non_blocking(!sync_calls_block_in_kernel(), ignored);
  }

  ~stream_channel() override { close(); }

  asio::any_io_executor get_executor() const override {
    return const_cast<socket_type&>(socket_).get_executor();
  }

  strait::capabilities capabilities() const override {
    strait::capabilities caps;
    caps.cross_machine = std::is_same_v<Protocol, asio::ip::tcp>;
    caps.max_message_size = max_message_size_;
    return caps;
  }

  std::size_t message_remaining() const override { return frames_.message_remaining(); }
  peer_info peer() const override { return peer_; }
  std::string endpoint() const override { return url_; }
  native_handle_type native_handle() const override {
    return to_native_handle(const_cast<socket_type&>(socket_).native_handle());
  }
  bool is_open() const override { return socket_.is_open(); }

  void cancel() override {
    ++cancel_epoch_;
    std::error_code ignored;
    socket_.cancel(ignored);
  }

  void close() override {
    if (!socket_.is_open()) return;
    ++cancel_epoch_;
    std::error_code ignored;
    // C4: what we sent must reach the peer. Closing with unread input makes
    // TCP reset the connection and drop it, so drain what is waiting first.
    socket_.shutdown(asio::socket_base::shutdown_send, ignored);
    std::array<std::byte, 4096> scratch;
    for (int i = 0; i < 256 && !ignored; ++i)  // only what is already there
      socket_read(socket_.native_handle(), timeouts_, scratch.data(), scratch.size(), no_wait,
                  ignored);
    socket_.close(ignored);
    if (on_close_) std::exchange(on_close_, {})();
  }

  // ---- send ---------------------------------------------------------------

  void send(asio::const_buffer message, deadline until, std::error_code& ec) override {
    if ((ec = check_send(message))) return;
    block_for_sync_call(socket_, sending_ || receiving_);  // issue 13
    outgoing_frame frame;
    frame.start(message);
    std::size_t written = 0;
    while (written < frame.size()) {
      written += socket_write(socket_.native_handle(), timeouts_, frame.rest(written), until, ec);
      if (ec == errc::timed_out) {
        if (written > 0) break_send_side();  // a half-sent frame cannot be taken back
        return;
      }
      if (ec) {
        ec = fail_send(ec);
        return;
      }
    }
  }

  void async_send(asio::const_buffer message, size_completion done) override {
    std::error_code ec = check_send(message);
    if (!ec && sending_) ec = make_error_code(errc::invalid_argument);  // one at a time
    if (ec) return post_completion(std::move(done), ec);
    sending_ = true;
    send_op_.frame.start(message);
    send_op_.written = 0;
    send_op_.epoch = cancel_epoch_;
    send_op_.done = std::move(done);
    continue_send();
  }

  // ---- receive ------------------------------------------------------------

  std::size_t receive(asio::mutable_buffer buffer, deadline until,
                      std::error_code& ec) override {
    if ((ec = check_receive())) return 0;
    block_for_sync_call(socket_, sending_ || receiving_);  // issue 13
    while (!frames_.in_message()) {
      if (frames_.header_buffered()) {
        if ((ec = begin_message())) return 0;
      } else if ((ec = fill(until))) {
        return 0;
      }
    }
    auto* out = static_cast<std::byte*>(buffer.data());
    const std::size_t want = std::min(buffer.size(), frames_.remaining());
    std::size_t got = 0;
    while (got < want) {
      if (frames_.buffered() > 0) {
        got += frames_.take(out + got, want - got);
        continue;
      }
      if (want - got >= direct_read_threshold) {
        frames_.release_if_empty();
        std::size_t n = 0;
        ec = read_until(out + got, want - got, until, n);
        got += n;
        frames_.took_directly(n);
      } else {
        ec = fill(until);
      }
      if (ec) {
        frames_.unget(out, got);  // C8: a timeout loses nothing
        return 0;
      }
    }
    return finish_message(got, ec);
  }

  void async_receive(asio::mutable_buffer buffer, size_completion done) override {
    std::error_code ec = check_receive();
    if (!ec && receiving_) ec = make_error_code(errc::invalid_argument);  // one at a time
    if (ec) return post_completion(std::move(done), ec);
    receiving_ = true;
    receive_op_ = receive_op{buffer, 0, 0, false, cancel_epoch_, std::move(done)};
    continue_receive(true);
  }

 private:
  static constexpr std::size_t direct_read_threshold = 16 * 1024;

  // The one send and the one receive a channel has pending at a time are
  // members, not allocated per operation (issue 13).
  struct send_op {
    outgoing_frame frame;
    std::size_t written = 0;
    unsigned epoch = 0;
    size_completion done;
  };

  struct receive_op {
    asio::mutable_buffer buffer;
    std::size_t want = 0;
    std::size_t got = 0;
    bool in_payload = false;
    unsigned epoch = 0;
    size_completion done;
  };

  // What an asio handler holds while its operation is pending: the channel,
  // and the caller's completion to drop if asio destroys the handler uncalled
  // (its io_context goes first). That completion may hold the channel (a
  // cycle) and its io_context's work, which would otherwise outlive both.
  class pending {
   public:
    pending(stream_channel& channel, size_completion& done)
        : self_(channel.shared_from_this()), done_(&done) {}
    pending(pending&& other) noexcept
        : self_(std::move(other.self_)), done_(std::exchange(other.done_, nullptr)) {}
    pending& operator=(pending&&) = delete;
    ~pending() {
      if (done_) done_->reset();
    }

    // The handler runs: the completion is the channel's to call now.
    stream_channel& run() noexcept {
      done_ = nullptr;
      return *self_;
    }

   private:
    std::shared_ptr<stream_channel> self_;
    size_completion* done_;
  };

  std::error_code check_send(asio::const_buffer message) const {
    if (message.size() > max_message_size_) return make_error_code(errc::message_too_large);  // C9
    if (send_broken_ || !socket_.is_open()) return make_error_code(errc::broken_pipe);
    return {};
  }

  std::error_code check_receive() const {
    if (receive_error_) return receive_error_;
    if (!socket_.is_open()) return make_error_code(errc::broken_pipe);
    return {};
  }

  void break_send_side() {
    send_broken_ = true;
    std::error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_send, ignored);
  }

  std::error_code fail_send(const std::error_code& e) {
    send_broken_ = true;
    return is_asio_error(e, asio::error::operation_aborted) ? make_error_code(errc::broken_pipe)
                                                            : map_error(e);
  }

  // A failed read: end of stream is broken_pipe (C4), sticky from now on.
  std::error_code fail_receive(const std::error_code& e) {
    if (is_asio_error(e, asio::error::operation_aborted))
      return make_error_code(errc::operation_aborted);
    receive_error_ =
        is_asio_error(e, asio::error::eof) ? make_error_code(errc::broken_pipe) : map_error(e);
    return receive_error_;
  }

  void post_completion(size_completion done, std::error_code ec, std::size_t n = 0) {
    asio::post(socket_.get_executor(),
               [done = std::move(done), ec, n]() mutable { done(ec, n); });
  }

  // A header the frame reader refuses ends the stream: its receive side
  // for good, and its send side, so that the peer learns of it.
  std::error_code begin_message() {
    const auto ec = frames_.begin_message();
    if (ec) {
      receive_error_ = ec == errc::message_too_large ? make_error_code(errc::broken_pipe) : ec;
      break_send_side();
    }
    return ec;
  }

  std::size_t finish_message(std::size_t got, std::error_code& ec) {
    ec = frames_.finish_message() ? std::error_code{} : make_error_code(errc::more_data);  // C3
    return got;
  }

  std::error_code fill(deadline until) {
    const auto room = frames_.read_room();
    std::size_t n = 0;
    auto ec = read_until(static_cast<std::byte*>(room.data()), room.size(), until, n);
    frames_.commit(n);
    return ec;
  }

  std::error_code read_until(std::byte* out, std::size_t size, deadline until,
                             std::size_t& n) {
    std::error_code e;
    n = socket_read(socket_.native_handle(), timeouts_, out, size, until, e);
    return e && e != errc::timed_out ? fail_receive(e) : e;
  }

  void continue_send() {
    auto& op = send_op_;
    if (op.written == op.frame.size()) return complete_send({});
    // C8: cancelling before the first byte leaves the stream as it was;
    // after it, the message is committed and goes out whole.
    if (op.written == 0 && op.epoch != cancel_epoch_)
      return complete_send(make_error_code(errc::operation_aborted));
    auto written = [p = pending(*this, op.done)](const std::error_code& e, std::size_t n) mutable {
      auto& self = p.run();
      self.send_op_.written += n;
      if (!e) return self.continue_send();
      if (is_asio_error(e, asio::error::operation_aborted)) {
        if (self.send_op_.written == 0)
          return self.complete_send(make_error_code(errc::operation_aborted));
        if (self.socket_.is_open()) return self.continue_send();  // committed
      }
      self.complete_send(self.fail_send(e));
    };
    // One buffer when one is enough: asio then writes with send(), not sendmsg().
    const auto rest = op.frame.rest(op.written);
    if (rest[1].size() == 0) return socket_.async_write_some(rest[0], std::move(written));
    socket_.async_write_some(rest, std::move(written));
  }

  void complete_send(std::error_code ec) {
    sending_ = false;
    send_op_.done(ec, ec ? 0 : send_op_.frame.payload_size());
  }

  void continue_receive(bool initiating = false) {
    auto& op = receive_op_;
    auto* out = static_cast<std::byte*>(op.buffer.data());
    for (;;) {
      if (!op.in_payload) {
        if (frames_.header_buffered()) {
          if (auto ec = begin_message()) return complete_receive(ec, initiating);
        }
        if (frames_.in_message()) {
          op.in_payload = true;
          op.want = std::min(op.buffer.size(), frames_.remaining());
          continue;
        }
      } else if (op.got == op.want) {
        std::error_code ec;
        finish_message(op.got, ec);
        return complete_receive(ec, initiating);
      } else if (frames_.buffered() > 0) {
        op.got += frames_.take(out + op.got, op.want - op.got);
        continue;
      }
      if (op.epoch != cancel_epoch_)
        return complete_receive(make_error_code(errc::operation_aborted), initiating);
      break;
    }
    // Wait for more bytes: straight into the caller's buffer when it is large.
    const bool direct = op.in_payload && op.want - op.got >= direct_read_threshold;
    if constexpr (reads_when_ready) {
      if (!direct) return initiating && read_first_.try_now() ? read_first() : read_when_ready();
    }
    if (direct) frames_.release_if_empty();
    auto target = direct ? asio::buffer(out + op.got, op.want - op.got) : frames_.read_room();
    socket_.async_read_some(target, [p = pending(*this, op.done), direct](
                                        const std::error_code& e, std::size_t n) mutable {
      auto& self = p.run();
      if (direct) {
        self.receive_op_.got += n;
        self.frames_.took_directly(n);
      } else {
        self.frames_.commit(n);
      }
      if (e) return self.complete_receive(self.fail_receive(e));
      self.continue_receive();
    });
  }

  // A read from an AF_UNIX stream wakes a peer blocked in its receive (the
  // kernel's write-space wake-up shares the wait queue), and an echo sent
  // later than the peer takes to run and sleep again wakes it a second time.
  // asio's async_read_some reads at initiation when it can, and that
  // completion is posted behind every other ready connection's: a server
  // echoing many clients paid two cross-CPU wake-ups per round trip (issue
  // 13). So the read waits for readiness and reads in its handler, the
  // caller's handler (which usually answers) right behind it. Not TCP: its
  // reads wake no sender.
  static constexpr bool reads_when_ready = !std::is_same_v<Protocol, asio::ip::tcp>;

  void read_when_ready() {
    socket_.async_wait(socket_type::wait_read, [p = pending(*this, receive_op_.done)](
                                                   const std::error_code& e) mutable {
      auto& self = p.run();
      if (e) return self.complete_receive(self.fail_receive(e));
      self.read_what_is_there(false);
    });
  }

  // Only what is there: the socket may be blocking between async calls. The
  // receive goes on, and waits again if nothing came.
  void read_what_is_there(bool trying_first) {
    const auto before = frames_.buffered();
    const auto ec = fill(no_wait);
    if (ec && ec != errc::timed_out) return complete_receive(ec);
    if (trying_first) read_first_.tried(frames_.buffered() > before);
    continue_receive();
  }

  // The read tried first (read_first_pacing), in a posted handler, with the
  // caller's handler still right behind it.
  void read_first() {
    asio::post(socket_.get_executor(), [p = pending(*this, receive_op_.done)]() mutable {
      auto& self = p.run();
      if (self.receive_op_.epoch != self.cancel_epoch_ || !self.socket_.is_open())
        return self.complete_receive(make_error_code(errc::operation_aborted));
      self.read_what_is_there(true);
    });
  }

  void complete_receive(std::error_code ec, bool initiating = false) {
    auto& op = receive_op_;
    if (ec && ec != errc::more_data) {
      frames_.unget(static_cast<std::byte*>(op.buffer.data()), op.got);  // C8
      op.got = 0;
    }
    receiving_ = false;
    if (initiating) return post_completion(std::move(op.done), ec, op.got);
    op.done(ec, op.got);
  }

  socket_type socket_;
  std::string url_;
  std::size_t max_message_size_;
  peer_info peer_;
  std::function<void()> on_close_;
  socket_timeouts timeouts_;  // what the sync calls set on the socket last

  std::error_code receive_error_;  // sticky: end of stream, protocol error

  bool send_broken_ = false;
  bool sending_ = false;
  bool receiving_ = false;
  unsigned cancel_epoch_ = 0;  // bumped by cancel(): ops started before it abort
  read_first_pacing read_first_;
  send_op send_op_;
  receive_op receive_op_;

  stream_frame_reader frames_;  // last: its inline bytes stay untouched until used
};

}  // namespace strait::detail
