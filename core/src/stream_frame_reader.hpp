// The receive side of a stream channel: frames out of the bytes read from
// the socket. It keeps them in a read buffer, so that a burst of small
// messages costs one system call, and so that whatever an interrupted
// receive had taken can be put back (C3, C8). The read buffer holds heap
// memory only while a read is expected to bring much (stream_read_buffer.hpp,
// issue 12).
#pragma once

#include <algorithm>
#include <cstddef>
#include <system_error>

#include <asio/buffer.hpp>

#include "stream_frame.hpp"
#include "stream_read_buffer.hpp"
#include <strait/error.hpp>

namespace strait::detail {

class stream_frame_reader {
 public:
  explicit stream_frame_reader(std::size_t max_message_size) noexcept
      : max_message_size_(max_message_size) {}

  // A header was read; its payload is being handed out.
  bool in_message() const noexcept { return in_message_; }
  // Payload bytes of that message not handed out yet.
  std::size_t remaining() const noexcept { return remaining_; }
  bool header_buffered() const noexcept {
    return !in_message_ && buffered() >= frame_header_size;
  }
  std::size_t buffered() const noexcept { return rbuf_.size(); }

  // The length in a frame header is only the peer's word: a whole-message
  // receive is told to make room for as much again as has arrived of the
  // message (at least 64 KiB), never all of it at once, so that what a peer
  // makes us hold follows what it has sent (issue 12).
  std::size_t message_remaining() const noexcept {
    if (!in_message_) return 0;
    return std::min(remaining_, std::max(length_ - remaining_, min_message_growth));
  }

  // Starts the message whose header is buffered. protocol_error: the bytes
  // are no frame; message_too_large: longer than this channel takes (C9).
  // Either way the stream cannot be resynchronized.
  std::error_code begin_message() {
    frame_header h;
    if (!frame_header::decode(rbuf_.data(), h)) return make_error_code(errc::protocol_error);
    if (h.length > max_message_size_) return make_error_code(errc::message_too_large);
    rbuf_.consume(frame_header_size);
    remaining_ = length_ = h.length;
    in_message_ = true;
    return {};
  }

  // Copies out up to `n` buffered bytes of the message's payload.
  std::size_t take(std::byte* out, std::size_t n) noexcept {
    n = rbuf_.take(out, std::min(n, remaining_));
    remaining_ -= n;
    return n;
  }

  // Puts bytes an interrupted receive had taken back in front of the rest.
  void unget(const std::byte* data, std::size_t n) {
    rbuf_.unget(data, n);
    remaining_ += n;
  }

  // `n` payload bytes were read straight into the caller's buffer.
  void took_directly(std::size_t n) noexcept { remaining_ -= n; }

  // True when the message has been handed out whole (else C3: more_data).
  bool finish_message() noexcept {
    if (remaining_ == 0) in_message_ = false;
    return !in_message_;
  }

  // The read buffer's room for the next read: the heap block only when a
  // payload longer than the inline room is being read (issue 12).
  asio::mutable_buffer read_room() {
    return rbuf_.prepare(in_message_ && remaining_ > stream_read_buffer::inline_capacity);
  }
  void commit(std::size_t n) noexcept { rbuf_.commit(n); }
  void release_if_empty() noexcept { rbuf_.release_if_empty(); }

 private:
  static constexpr std::size_t min_message_growth = 64 * 1024;

  std::size_t max_message_size_;
  bool in_message_ = false;
  std::size_t length_ = 0;     // the payload length its header announced
  std::size_t remaining_ = 0;
  stream_read_buffer rbuf_;  // last: its inline bytes stay untouched until used
};

}  // namespace strait::detail
