// The platform-independent half of a mailslot reader: whole messages taken
// from the system are handed out from here (M5 on the mailslot API, C3 on a
// channel), and cancellation never loses one (C8).
#include <algorithm>
#include <cstring>
#include <utility>

#include <asio/post.hpp>

#include "mailslot_backend.hpp"

namespace strait::detail {

mailslot_reader::mailslot_reader(asio::io_context& io, std::string url,
                                 std::size_t max_message_size)
    : io_(io), url_(std::move(url)), max_message_size_(max_message_size) {}

strait::capabilities mailslot_reader::capabilities() const {
  strait::capabilities caps;
  caps.can_send = false;  // M1
  // Local messages are never dropped; broadcasts are best-effort datagrams (M6).
  caps.reliable = !broadcasts_;
  caps.cross_machine = broadcasts_;
  caps.broadcast = broadcasts_;
  caps.max_message_size = max_message_size_;
  return caps;
}

std::size_t mailslot_reader::message_remaining() const {
  return held_.empty() ? 0 : held_.front().size() - offset_;
}

void mailslot_reader::send(asio::const_buffer, deadline, std::error_code& ec) {
  ec = make_error_code(errc::access_denied);  // M1: only writers send
}

void mailslot_reader::async_send(asio::const_buffer, size_completion done) {
  post(std::move(done), make_error_code(errc::access_denied));  // M1
}

void mailslot_reader::post(size_completion done, std::error_code ec, std::size_t n) {
  asio::post(io_, [done = std::move(done), ec, n]() mutable { done(ec, n); });
}

std::size_t mailslot_reader::hand_out(asio::mutable_buffer buffer, short_buffer mode,
                                      std::error_code& ec) {
  auto& front = held_.front();
  const std::size_t left = front.size() - offset_;
  if (left > buffer.size()) {
    ec = make_error_code(errc::more_data);
    if (mode == short_buffer::keep) return 0;  // M5: the message stays first, whole
    std::memcpy(buffer.data(), front.data() + offset_, buffer.size());
    offset_ += buffer.size();  // C3: the rest comes with the next receive
    return buffer.size();
  }
  if (left > 0) std::memcpy(buffer.data(), front.data() + offset_, left);
  held_.pop_front();
  offset_ = 0;
  ec = {};
  return left;
}

std::vector<std::byte> mailslot_reader::hand_out_message() {
  auto message = std::move(held_.front());
  held_.pop_front();
  if (offset_ > 0) message.erase(message.begin(), message.begin() + static_cast<std::ptrdiff_t>(offset_));
  offset_ = 0;
  return message;
}

std::size_t mailslot_reader::read(asio::mutable_buffer buffer, deadline until, short_buffer mode,
                                  std::error_code& ec) {
  if (!open_) {
    ec = make_error_code(errc::broken_pipe);
    return 0;
  }
  if (held_.empty()) {
    auto message = fetch(until, ec);
    if (ec) return 0;
    held_.push_back(std::move(message));
  }
  return hand_out(buffer, mode, ec);
}

std::vector<std::byte> mailslot_reader::read_message(deadline until, std::error_code& ec) {
  if (!open_) {
    ec = make_error_code(errc::broken_pipe);
    return {};
  }
  if (!held_.empty()) {
    ec = {};
    return hand_out_message();
  }
  return fetch(until, ec);
}

void mailslot_reader::async_read(asio::mutable_buffer buffer, short_buffer mode,
                                 size_completion done) {
  if (!open_) return post(std::move(done), make_error_code(errc::broken_pipe));
  if (reading_) return post(std::move(done), make_error_code(errc::invalid_argument));
  reading_ = true;
  struct op_state {
    asio::mutable_buffer buffer;
    short_buffer mode;
    unsigned epoch;
    size_completion done;
  };
  auto op = std::make_shared<op_state>(op_state{buffer, mode, epoch_, std::move(done)});
  auto finish = [self = shared_from_this(), op](std::error_code ec) {
    self->reading_ = false;
    std::size_t n = 0;
    // C8: a cancelled receive takes nothing; what was fetched stays held.
    if (op->epoch != self->epoch_ || !self->open_) ec = make_error_code(errc::operation_aborted);
    if (!ec) n = self->hand_out(op->buffer, op->mode, ec);
    op->done(ec, n);
  };
  if (!held_.empty()) {
    asio::post(io_, [finish]() mutable { finish({}); });
    return;
  }
  async_fetch(message_completion(
      [self = shared_from_this(), finish](std::error_code ec, std::vector<std::byte> m) mutable {
        if (!ec) self->held_.push_back(std::move(m));
        finish(ec);
      }));
}

void mailslot_reader::async_read_message(message_completion done) {
  auto fail = [this, &done](errc e) {
    asio::post(io_, [done = std::move(done), e]() mutable { done(make_error_code(e), {}); });
  };
  if (!open_) return fail(errc::broken_pipe);
  if (reading_) return fail(errc::invalid_argument);
  reading_ = true;
  auto finish = [self = shared_from_this(), epoch = epoch_,
                 done = std::make_shared<message_completion>(std::move(done))](std::error_code ec) {
    self->reading_ = false;
    if (epoch != self->epoch_ || !self->open_) ec = make_error_code(errc::operation_aborted);
    if (ec) return (*done)(ec, {});
    (*done)({}, self->hand_out_message());
  };
  if (!held_.empty()) {
    asio::post(io_, [finish]() mutable { finish({}); });
    return;
  }
  async_fetch(message_completion(
      [self = shared_from_this(), finish](std::error_code ec, std::vector<std::byte> m) mutable {
        if (!ec) self->held_.push_back(std::move(m));
        finish(ec);
      }));
}

std::optional<std::size_t> mailslot_reader::next_message_size(std::error_code& ec) {
  if (!open_) {
    ec = make_error_code(errc::broken_pipe);
    return std::nullopt;
  }
  if (!held_.empty()) {
    ec = {};
    return held_.front().size() - offset_;
  }
  return system_next_size(ec);
}

std::size_t mailslot_reader::pending(std::error_code& ec) {
  if (!open_) {
    ec = make_error_code(errc::broken_pipe);
    return 0;
  }
  const std::size_t in_system = system_pending(ec);  // may move messages into held_
  return held_.size() + in_system;
}

void mailslot_reader::cancel() {
  ++epoch_;
  if (open_) cancel_fetch();
}

void mailslot_reader::close() {
  if (!open_) return;
  open_ = false;
  ++epoch_;
  cancel_fetch();
  close_system();
  held_.clear();
  offset_ = 0;
  if (on_close_) std::exchange(on_close_, {})();
}

}  // namespace strait::detail
