// The platform-independent half of a copydata:// reader: the inbox the pump
// fills and the receive-only channel that empties it (C1-C3, C8).
#include <algorithm>
#include <cstring>
#include <utility>

#include <asio/post.hpp>

#include "copydata_backend.hpp"

namespace strait::detail {

// ---- inbox ------------------------------------------------------------------

bool copydata_inbox::wait_for_room() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return closing_ || queued_.size() < copydata_queue_limit; });
  return !closing_;
}

bool copydata_inbox::has_room() {
  std::lock_guard lock(mutex_);
  return !closing_ && queued_.size() < copydata_queue_limit;
}

bool copydata_inbox::full() {
  std::lock_guard lock(mutex_);
  return !closing_ && queued_.size() >= copydata_queue_limit;
}

bool copydata_inbox::put(copydata_entry entry) {
  std::lock_guard lock(mutex_);
  if (closing_) return false;
  queued_.push_back(std::move(entry));
  changed_.notify_all();
  if (waiting_) {
    std::error_code ec;
    const std::size_t n = hand_out(waiting_buffer_, ec);
    complete_waiting(ec, n);
  }
  return true;
}

std::size_t copydata_inbox::hand_out(asio::mutable_buffer buffer, std::error_code& ec) {
  auto& front = queued_.front();
  if (offset_ == 0) last_data_ = front.data;
  const std::size_t left = front.bytes.size() - offset_;
  if (left > buffer.size()) {
    std::memcpy(buffer.data(), front.bytes.data() + offset_, buffer.size());
    offset_ += buffer.size();  // C3: the rest comes with the next receive
    ec = make_error_code(errc::more_data);
    return buffer.size();
  }
  if (left > 0) std::memcpy(buffer.data(), front.bytes.data() + offset_, left);
  queued_.pop_front();
  offset_ = 0;
  changed_.notify_all();  // room for the pump
  ec = {};
  return left;
}

void copydata_inbox::drop_completions() noexcept {
  size_completion dropped;
  std::lock_guard lock(mutex_);
  dropped = std::exchange(waiting_, {});
}  // `dropped` goes after the lock: it releases the io_context's work

void copydata_inbox::complete_waiting(std::error_code ec, std::size_t n) {
  asio::post(executor_, [done = std::exchange(waiting_, {}), ec, n]() mutable { done(ec, n); });
}

// ---- reader -----------------------------------------------------------------

copydata_reader::copydata_reader(asio::io_context& io, std::string url,
                                 std::shared_ptr<copydata_inbox> inbox,
                                 std::unique_ptr<copydata_pump> pump)
    : io_(io), url_(std::move(url)), inbox_(std::move(inbox)), pump_(std::move(pump)) {
  drop_at_shutdown(io, inbox_);  // programs exit
}

std::uintptr_t copydata_reader::last_data() const {
  std::lock_guard lock(inbox_->mutex_);
  return inbox_->last_data_;
}

strait::capabilities copydata_reader::capabilities() const {
  strait::capabilities caps;
  caps.can_send = false;  // one-way, as a mailslot reader (M1)
  caps.max_message_size = inbox_->max_message_size();
  return caps;
}

std::size_t copydata_reader::message_remaining() const {
  std::lock_guard lock(inbox_->mutex_);
  return inbox_->queued_.empty() ? 0 : inbox_->queued_.front().bytes.size() - inbox_->offset_;
}

void copydata_reader::send(asio::const_buffer, deadline, std::error_code& ec) {
  ec = make_error_code(errc::access_denied);  // M1: only writers send
}

void copydata_reader::async_send(asio::const_buffer, size_completion done) {
  post(std::move(done), make_error_code(errc::access_denied));  // M1
}

std::size_t copydata_reader::receive(asio::mutable_buffer buffer, deadline until,
                                     std::error_code& ec) {
  std::unique_lock lock(inbox_->mutex_);
  const auto ready = [this] { return !open_ || !inbox_->queued_.empty(); };
  if (until == no_deadline) {
    inbox_->changed_.wait(lock, ready);
  } else if (!inbox_->changed_.wait_until(lock, until, ready)) {
    ec = make_error_code(errc::timed_out);  // C8: nothing taken
    return 0;
  }
  if (!open_) {
    ec = make_error_code(errc::broken_pipe);
    return 0;
  }
  return inbox_->hand_out(buffer, ec);
}

void copydata_reader::async_receive(asio::mutable_buffer buffer, size_completion done) {
  std::lock_guard lock(inbox_->mutex_);
  if (!open_) return post(std::move(done), make_error_code(errc::broken_pipe));
  if (inbox_->waiting_) return post(std::move(done), make_error_code(errc::invalid_argument));
  if (!inbox_->queued_.empty()) {
    std::error_code ec;
    const std::size_t n = inbox_->hand_out(buffer, ec);
    return post(std::move(done), ec, n);
  }
  inbox_->waiting_buffer_ = buffer;
  inbox_->waiting_ = std::move(done);
}

void copydata_reader::cancel() {
  std::lock_guard lock(inbox_->mutex_);
  // C8: a receive that took a message completed with it already; one still
  // waiting takes nothing.
  if (inbox_->waiting_) inbox_->complete_waiting(make_error_code(errc::operation_aborted), 0);
}

void copydata_reader::close() {
  {
    std::lock_guard lock(inbox_->mutex_);
    if (!open_) return;
    open_ = false;
    inbox_->closing_ = true;
    if (inbox_->waiting_) inbox_->complete_waiting(make_error_code(errc::operation_aborted), 0);
  }
  inbox_->changed_.notify_all();
  pump_->stop();  // senders still waiting fail (broken_pipe); the name is free again
  std::lock_guard lock(inbox_->mutex_);
  inbox_->queued_.clear();
  inbox_->offset_ = 0;
}

native_handle_type copydata_reader::native_handle() const {
  return open_ ? pump_->native_handle() : native_handle_type{};
}

void copydata_reader::post(size_completion done, std::error_code ec, std::size_t n) {
  asio::post(io_, [done = std::move(done), ec, n]() mutable { done(ec, n); });
}

}  // namespace strait::detail
