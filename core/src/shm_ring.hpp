// One direction of a shm:// channel: a single-producer / single-consumer ring
// of records in shared memory (docs/shared-memory.md, "The shm:// channel").
//
//   record = u32 length | u32 flags | payload | zero padding to 8 bytes
//
// A message is one or more records; the last has flag end_of_message (a
// message larger than a piece goes through in pieces). A record never wraps:
// when it does not fit before the end of the ring, the producer writes a
// record with flag wrap_to_start and continues at offset 0.
//
// S6: the other process can write anything into this memory. Each side keeps
// its own position locally and reads only the peer's position and the record
// headers from shared memory, each once, and checks them before use; a bad
// value is result::corrupt, never an out-of-bounds access, never a loop.
// Nothing here blocks: waiting is the channel's business (shm_channel.cpp).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <version>

namespace strait::detail::shm {

inline constexpr std::uint32_t record_header_size = 8;
inline constexpr std::uint32_t end_of_message = 1;
inline constexpr std::uint32_t wrap_to_start = 2;

// Ring capacities (bytes of record space per direction) strait accepts.
inline constexpr std::uint32_t min_capacity = 4096;
inline constexpr std::uint32_t max_capacity = 1u << 30;

// Who is asleep waiting for the other side (ring_control::*_waiting).
inline constexpr std::uint32_t nobody_waits = 0;
inline constexpr std::uint32_t waits_on_event = 1;     // a blocking call: set its event
inline constexpr std::uint32_t waits_on_doorbell = 2;  // an async operation: ring its doorbell

// How a side goes to sleep (ring_control::*_sleeps). Zero, what a new region
// and an older peer hold, is the safe default: the other side fences.
inline constexpr std::uint32_t fence_before_sleep = 0;
inline constexpr std::uint32_t barrier_before_sleep = 1;

// The shared part of one ring. Positions count bytes since the start and
// never wrap (2^64 bytes is centuries of traffic); offset = position % capacity.
// Each side's fields get a cache line of their own: MSVC's C4324 ("structure
// was padded due to alignment specifier") reports exactly that padding.
#if defined(_MSC_VER)
#pragma warning(push)
#pragma warning(disable : 4324)
#endif
struct ring_control {
  alignas(64) std::atomic<std::uint64_t> tail;  // written by the producer only
  alignas(64) std::atomic<std::uint64_t> head;  // written by the consumer only
  alignas(64) std::atomic<std::uint32_t> consumer_waiting;
  std::atomic<std::uint32_t> producer_closed;  // no more records will come (C4)
  // barrier_before_sleep when the consumer runs cross_process_barrier()
  // between setting consumer_waiting and looking at the ring again: the
  // producer may then publish without a fence (shm_channel.cpp, wake_peer).
  std::atomic<std::uint32_t> consumer_sleeps;
  alignas(64) std::atomic<std::uint32_t> producer_waiting;
  std::atomic<std::uint32_t> consumer_closed;  // nobody will read them (C4)
  std::atomic<std::uint32_t> producer_sleeps;  // the same, the other way
};
#if defined(_MSC_VER)
#pragma warning(pop)
#endif
static_assert(std::atomic<std::uint64_t>::is_always_lock_free &&
              std::atomic<std::uint32_t>::is_always_lock_free);

constexpr std::uint32_t padded(std::uint32_t n) noexcept { return (n + 7u) & ~7u; }

// The largest payload of one record in a ring of `capacity`: half the ring,
// so that the producer can fill one piece while the consumer drains another.
constexpr std::uint32_t max_piece(std::uint32_t capacity) noexcept {
  return capacity / 2 - record_header_size;
}

// The largest record payload this side writes. Larger messages go in pieces
// of this size even when the ring could take more at once: the consumer starts
// copying a piece while the producer writes the next, and a producer waiting
// for room waits for one piece to drain, not half the ring. Readers accept up
// to max_piece(capacity), so this is a choice of the writer, not of the format.
inline constexpr std::uint32_t written_piece_limit = 64 * 1024 - record_header_size;

// A capacity both sides can use: a multiple of 64 within the limits.
constexpr bool valid_capacity(std::uint64_t capacity) noexcept {
  return capacity >= min_capacity && capacity <= max_capacity && capacity % 64 == 0;
}

class ring_producer {
 public:
  enum class result { ok, full, corrupt };

  ring_producer() = default;
  // `data` is `capacity` bytes (valid_capacity); the producer starts where
  // the ring's tail is (0 for a new ring).
  ring_producer(ring_control* control, std::byte* data, std::uint32_t capacity) noexcept
      : control_(control), data_(data), capacity_(capacity) {}

  // The largest record payload this producer writes.
  std::uint32_t max_piece() const noexcept {
    return std::min(shm::max_piece(capacity_), written_piece_limit);
  }

  // Appends one record of `size` <= max_piece() bytes, or reports the ring
  // full (nothing written) or the consumer's head impossible (corrupt).
  result try_write(const void* payload, std::uint32_t size, bool last) noexcept {
    const result space = room_for(size);
    if (space != result::ok) return space;
    const std::uint32_t offset = static_cast<std::uint32_t>(tail_ % capacity_);
    const std::uint32_t to_end = capacity_ - offset;  // a multiple of 8, at least 8
    const std::uint32_t record = record_header_size + padded(size);
    if (record > to_end) {
      put_header(offset, 0, wrap_to_start);
      tail_ += to_end;
    }
    const std::uint32_t at = static_cast<std::uint32_t>(tail_ % capacity_);
    put_header(at, size, last ? end_of_message : 0);
    if (size > 0) std::memcpy(data_ + at + record_header_size, payload, size);
    tail_ += record;
    control_->tail.store(tail_, std::memory_order_release);
    return result::ok;
  }

  // Whether a record of `size` bytes fits now: ok, full, or corrupt (the
  // consumer's head is impossible or went back, S6). The consumer's head is
  // read only when the head last read leaves too little room: its cache line
  // then stays with the consumer, whose store to it is cheap, instead of
  // crossing between the cores on every message.
  result room_for(std::uint32_t size) noexcept {
    const std::uint32_t to_end = capacity_ - static_cast<std::uint32_t>(tail_ % capacity_);
    const std::uint32_t record = record_header_size + padded(size);
    const std::uint64_t needed = record > to_end ? std::uint64_t{to_end} + record : record;
    if (needed <= capacity_ - (tail_ - head_seen_)) return result::ok;
    const std::uint64_t head = control_->head.load(std::memory_order_acquire);
    // tail_ - head_seen_ <= capacity_ always, so a head not behind head_seen_
    // is never more than a ring behind the tail.
    if (head < head_seen_ || head > tail_) return result::corrupt;
    head_seen_ = head;
    return needed <= capacity_ - (tail_ - head) ? result::ok : result::full;
  }

 private:
  void put_header(std::uint32_t at, std::uint32_t size, std::uint32_t flags) noexcept {
    std::memcpy(data_ + at, &size, 4);
    std::memcpy(data_ + at + 4, &flags, 4);
  }

  ring_control* control_ = nullptr;
  std::byte* data_ = nullptr;
  std::uint32_t capacity_ = 0;
  std::uint64_t tail_ = 0;
  std::uint64_t head_seen_ = 0;  // the consumer's head when last read: at most the real one
};

class ring_consumer {
 public:
  enum class result { ok, empty, corrupt };

  struct piece {
    const std::byte* data = nullptr;  // in shared memory: copy it out, read it once
    std::uint32_t size = 0;
    bool last = false;  // end of the message
  };

  ring_consumer() = default;
  ring_consumer(ring_control* control, std::byte* data, std::uint32_t capacity) noexcept
      : control_(control), data_(data), capacity_(capacity) {}

  // The next record, left in the ring until consume(). Wrap records are
  // skipped here. Every value read from shared memory is checked (S6).
  result peek(piece& out) noexcept {
    const std::uint64_t tail = control_->tail.load(std::memory_order_acquire);
    if (tail < head_ || tail - head_ > capacity_) return result::corrupt;
    // Bounded: each wrap record moves head_ to offset 0, and a second one
    // in a row would be at offset 0, where a wrap is never needed.
    for (int wraps = 0; wraps < 2; ++wraps) {
      const std::uint64_t available = tail - head_;
      if (available == 0) return result::empty;
      const std::uint32_t offset = static_cast<std::uint32_t>(head_ % capacity_);
      if (available < record_header_size) return result::corrupt;
      const std::uint32_t size = load_u32(offset);
      const std::uint32_t flags = load_u32(offset + 4);
      const std::uint32_t to_end = capacity_ - offset;
      if (flags == wrap_to_start) {
        if (size != 0 || offset == 0 || to_end > available) return result::corrupt;
        head_ += to_end;
        control_->head.store(head_, std::memory_order_release);  // the skipped space is free
        continue;
      }
      if ((flags & ~end_of_message) != 0 || size > max_piece(capacity_)) return result::corrupt;
      const std::uint32_t record = record_header_size + padded(size);
      if (record > available || record > to_end) return result::corrupt;
      out = {data_ + offset + record_header_size, size, (flags & end_of_message) != 0};
      record_ = record;
      return result::ok;
    }
    return result::corrupt;
  }

  // Whether the producer has published anything not consumed yet (or an
  // impossible tail, which peek() then reports as corrupt).
  bool readable() const noexcept {
    return control_->tail.load(std::memory_order_acquire) != head_;
  }

  // Gives the record peek() returned (and any wrap before it) back to the producer.
  void consume() noexcept {
    head_ += record_;
    record_ = 0;
    control_->head.store(head_, std::memory_order_release);
  }

 private:
  // One relaxed atomic read: the value checked is the value used.
  std::uint32_t load_u32(std::uint32_t at) const noexcept {
    auto* word = reinterpret_cast<std::uint32_t*>(data_ + at);
#if defined(__cpp_lib_atomic_ref)
    return std::atomic_ref<std::uint32_t>(*word).load(std::memory_order_relaxed);
#else
    // Apple's libc++ has std::atomic_ref only from Xcode 16.3 (LLVM's from
    // 19); the GCC/Clang builtin is what it is made of.
    return __atomic_load_n(word, __ATOMIC_RELAXED);
#endif
  }

  ring_control* control_ = nullptr;
  std::byte* data_ = nullptr;
  std::uint32_t capacity_ = 0;
  std::uint64_t head_ = 0;
  std::uint32_t record_ = 0;
};

// The connection region: this header, the two rings' controls, then the two
// rings' data (client-to-server first). Offsets come from the capacity each
// side knows locally, never from the region itself.
struct region_header {
  char magic[8];  // "strait1\0"
  std::uint32_t capacity;
  std::uint32_t reserved;
};
inline constexpr char region_magic[8] = {'s', 't', 'r', 'a', 'i', 't', '1', '\0'};

inline constexpr std::size_t controls_offset = 64;  // ring_control[2]: client-to-server first
inline constexpr std::size_t data_offset = controls_offset + 2 * sizeof(ring_control);
constexpr std::size_t region_size(std::uint32_t capacity) noexcept {
  return data_offset + 2 * std::size_t{capacity};
}
static_assert(sizeof(region_header) <= 64 && sizeof(ring_control) % 64 == 0);

}  // namespace strait::detail::shm
