// The bytes a stream channel has read from its socket and not handed out yet.
//
// Issue 12: what a peer can make us hold is bounded by what it has sent. A
// waiting connection holds only the inline bytes (a 4 KiB message and its
// header fit in one read, with room to spare); the heap block is taken only when a read is
// expected to bring more than that (the last read filled its room: a burst;
// or a long payload read in small pieces), and given back once drained.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <memory>

#include <asio/buffer.hpp>

namespace strait::detail {

class stream_read_buffer {
  // Uninitialized bytes (std::make_unique_for_overwrite, which libc++ lacks
  // before 16: Apple Clang's too).
  static std::unique_ptr<std::byte[]> new_block(std::size_t size) {
    return std::unique_ptr<std::byte[]>(new std::byte[size]);
  }

 public:
  // Room to spare past a 4 KiB frame: a read that fills it all means a burst.
  static constexpr std::size_t inline_capacity = 4096 + 256;
  static constexpr std::size_t heap_capacity = 64 * 1024;

  std::size_t size() const noexcept { return end_ - pos_; }
  const std::byte* data() const noexcept { return storage() + pos_; }

  // Copies out and drops up to `n` of the unread bytes.
  std::size_t take(std::byte* out, std::size_t n) noexcept {
    n = std::min(n, size());
    std::memcpy(out, data(), n);
    pos_ += n;
    return n;
  }

  void consume(std::size_t n) noexcept { pos_ += std::min(n, size()); }

  // Puts bytes back in front of the unread ones (C8: an interrupted receive
  // loses nothing).
  void unget(const std::byte* bytes, std::size_t n) {
    if (n == 0) return;
    if (pos_ >= n) {
      pos_ -= n;
      std::memcpy(storage() + pos_, bytes, n);
      return;
    }
    const std::size_t total = n + size();
    const std::size_t block_capacity = std::max(total, heap_capacity);
    auto merged = new_block(block_capacity);
    std::memcpy(merged.get(), bytes, n);
    std::memcpy(merged.get() + n, data(), size());
    heap_ = std::move(merged);
    capacity_ = block_capacity;
    pos_ = 0;
    end_ = total;
  }

  // The room the next read goes into, at the end of the unread bytes.
  // `expect_much`: the reader knows more than the inline room is on its way.
  asio::mutable_buffer prepare(bool expect_much) {
    if (expect_much || burst_) {
      if (!heap_) move_to(new_block(heap_capacity), heap_capacity);
    } else if (heap_ && size() <= inline_capacity) {
      move_to(nullptr, inline_capacity);  // drained: give the heap block back
    }
    if (pos_ == end_) {
      pos_ = end_ = 0;
    } else if (pos_ > 0 && capacity() - end_ < capacity() / 2) {
      std::memmove(storage(), data(), size());
      end_ -= pos_;
      pos_ = 0;
    }
    prepared_ = capacity() - end_;
    return {storage() + end_, prepared_};
  }

  // `n` bytes were read into the room prepare() gave.
  void commit(std::size_t n) noexcept {
    end_ += n;
    burst_ = n > 0 && n == prepared_;  // more was probably waiting
  }

  // Nothing unread and a read is going elsewhere (straight into a caller's
  // buffer): hold no heap block meanwhile.
  void release_if_empty() noexcept {
    if (size() == 0 && heap_) {
      heap_.reset();
      capacity_ = inline_capacity;
      pos_ = end_ = 0;
    }
  }

 private:
  std::byte* storage() noexcept { return heap_ ? heap_.get() : inline_.data(); }
  const std::byte* storage() const noexcept { return heap_ ? heap_.get() : inline_.data(); }
  std::size_t capacity() const noexcept { return capacity_; }

  // Moves the unread bytes to the front of `block` (the inline bytes when null).
  void move_to(std::unique_ptr<std::byte[]> block, std::size_t block_capacity) noexcept {
    const std::size_t n = size();
    std::byte* to = block ? block.get() : inline_.data();
    std::memmove(to, data(), n);
    heap_ = std::move(block);
    capacity_ = block_capacity;
    pos_ = 0;
    end_ = n;
  }

  std::unique_ptr<std::byte[]> heap_;
  std::size_t capacity_ = inline_capacity;
  std::size_t pos_ = 0, end_ = 0;  // unread bytes are storage()[pos_, end_)
  std::size_t prepared_ = 0;
  bool burst_ = false;
  std::array<std::byte, inline_capacity> inline_;  // last: untouched pages stay unmapped
};

}  // namespace strait::detail
