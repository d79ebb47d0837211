// libFuzzer target for the shm:// ring (core/src/shm_ring.hpp), S6: whatever
// the peer process writes into shared memory, the reader does not crash, read
// out of bounds or loop forever, and the writer does not write out of bounds.
//
// The input is a peer's doing:
//
//   byte 0               the ring's shape: bits 0-1 pick the capacity, bits 2-6
//                        how far the reader got before (k eighths of a ring)
//   next 256 + capacity  the ring the reader reads as the peer left it:
//                        ring_control, then the data area; the tail is taken
//                        relative to where the reader is
//   the rest             a script: the peer rewriting tail and record headers,
//                        the reader peeking and consuming (as shm_channel.cpp
//                        does, re-peeks included), the writer writing into a
//                        second ring whose head the peer sets
//
// then the reader drains the ring: with nothing changing under it, it must
// reach empty or corrupt within capacity / 8 records. Each ring lives in two
// heap blocks of exactly the control's and the data's size, so AddressSanitizer
// sees any access outside them. A broken invariant prints what broke and traps.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include "fuzz_require.hpp"
#include "shm_ring.hpp"

namespace {

namespace shm = strait::detail::shm;
using consumer_result = shm::ring_consumer::result;
using producer_result = shm::ring_producer::result;

constexpr std::uint32_t capacities[4] = {4096, 4160, 4608, 8192};
constexpr std::uint32_t largest_capacity = 8192;

// The reader's ring never stores an odd head (positions are multiples of 8):
// the harness writes this before each reader call to see whether it stored one.
constexpr std::uint64_t no_store = ~std::uint64_t{0};

// Reads the input front to back; past its end, every value is zero.
class input_reader {
 public:
  input_reader(const std::uint8_t* data, std::size_t size) : data_(data), left_(size) {}
  bool done() const { return left_ == 0; }
  template <typename T>
  T take() {
    T value{};
    const std::size_t n = left_ < sizeof(T) ? left_ : sizeof(T);
    if (n > 0) std::memcpy(&value, data_, n);
    data_ += n;
    left_ -= n;
    return value;
  }
  void copy_to(void* out, std::size_t size) {
    const std::size_t n = left_ < size ? left_ : size;
    if (n > 0) std::memcpy(out, data_, n);
    data_ += n;
    left_ -= n;
  }

 private:
  const std::uint8_t* data_;
  std::size_t left_;
};

// One ring in two exact heap blocks (the control, the data), zeroed.
struct heap_ring {
  explicit heap_ring(std::uint32_t capacity)
      : capacity(capacity),
        control_bytes(new(std::align_val_t{alignof(shm::ring_control)})
                          std::byte[sizeof(shm::ring_control)]()),
        data(new std::byte[capacity]()) {
    control = ::new (control_bytes.get()) shm::ring_control{};
  }

  struct aligned_delete {
    void operator()(std::byte* p) const {
      ::operator delete[](p, std::align_val_t{alignof(shm::ring_control)});
    }
  };

  std::uint32_t capacity;
  std::unique_ptr<std::byte[], aligned_delete> control_bytes;
  std::unique_ptr<std::byte[]> data;
  shm::ring_control* control = nullptr;  // ring_control is trivially destructible
};

// Payloads the writer sends: any bytes will do, as long as they can be checked.
struct payload_source {
  std::byte bytes[largest_capacity / 2];
  payload_source() {
    for (std::size_t i = 0; i < sizeof bytes; ++i) bytes[i] = std::byte((i * 7 + 3) & 0xff);
  }
};
const payload_source payload;

std::uint32_t load_u32(const std::byte* at) {
  std::uint32_t value;
  std::memcpy(&value, at, 4);
  return value;
}

// The reader of the peer's ring, with what the harness knows of it.
class reader {
 public:
  // `consumer` is at `start` on `ring`.
  reader(heap_ring& ring, shm::ring_consumer consumer, std::uint64_t start)
      : ring_(ring), consumer_(consumer), head_(start) {}

  std::uint64_t head() const { return head_; }

  // One step as the channel takes it: peek; on a record, copy it out, and
  // consume it if `consume`. Returns what peek said.
  consumer_result step(bool consume) {
    const std::uint64_t tail = ring_.control->tail.load();
    const bool readable = consumer_.readable();
    ring_.control->head.store(no_store);
    shm::ring_consumer::piece piece;
    const consumer_result result = consumer_.peek(piece);
    observe_head(tail);  // a wrap record skipped
    if (!readable) FUZZ_REQUIRE(result == consumer_result::empty);
    // Empty (perhaps after skipping a wrap record) means nothing more to read:
    // the channel waits for the doorbell only when readable() says so.
    if (result == consumer_result::empty) {
      FUZZ_REQUIRE(tail == head_);
      FUZZ_REQUIRE(!consumer_.readable());
    }
    if (result != consumer_result::ok) return result;

    check_piece(piece, tail);
    std::memcpy(copy_, piece.data, piece.size);  // out of shared memory, once
    message_size_ += piece.size;
    if (piece.last) message_size_ = 0;
    if (consume) {
      const std::uint64_t record = shm::record_header_size + shm::padded(piece.size);
      const std::uint64_t expected = head_ + record;
      ring_.control->head.store(no_store);
      consumer_.consume();
      FUZZ_REQUIRE(ring_.control->head.load() == expected);
      observe_head(tail);
    }
    return result;
  }

  // With nothing changing under it, reads until empty or corrupt: every
  // record moves the head on by 8 bytes or more, and the tail is at most a
  // ring ahead, so more than capacity / 8 records means a loop.
  void drain() {
    for (std::uint32_t records = 0; records <= ring_.capacity / 8; ++records) {
      if (step(true) != consumer_result::ok) return;
    }
    strait::fuzz::broken("the reader ends within capacity / 8 records", __FILE__, __LINE__);
  }

 private:
  void observe_head(std::uint64_t tail) {
    const std::uint64_t stored = ring_.control->head.load();
    if (stored == no_store) return;
    FUZZ_REQUIRE(stored > head_);  // heads only move forward
    FUZZ_REQUIRE(stored <= tail);  // and never past what was published
    FUZZ_REQUIRE(stored % 8 == 0);
    head_ = stored;
  }

  void check_piece(const shm::ring_consumer::piece& piece, std::uint64_t tail) {
    const std::byte* data = ring_.data.get();
    FUZZ_REQUIRE(piece.size <= shm::max_piece(ring_.capacity));
    FUZZ_REQUIRE(piece.data >= data + shm::record_header_size);
    FUZZ_REQUIRE(piece.data + piece.size <= data + ring_.capacity);
    // The record is the one at the head, and within what the tail published.
    const auto offset = static_cast<std::uint64_t>(piece.data - data) - shm::record_header_size;
    FUZZ_REQUIRE(offset == head_ % ring_.capacity);
    FUZZ_REQUIRE(tail - head_ >= shm::record_header_size + std::uint64_t{piece.size});
    FUZZ_REQUIRE(load_u32(data + offset) == piece.size);
  }

  heap_ring& ring_;
  shm::ring_consumer consumer_;
  std::uint64_t head_;  // the consumer's position, as seen from its stores
  std::uint64_t message_size_ = 0;
  std::byte copy_[largest_capacity / 2];
};

// The writer of this process's ring, whose head (the reader's position) the peer writes.
class writer {
 public:
  explicit writer(heap_ring& ring)
      : ring_(ring), producer_(ring.control, ring.data.get(), ring.capacity) {}

  std::uint64_t tail() const { return tail_; }

  // The producer reads the peer's head only when the room it knew of is too
  // small, so it may not notice a bad head at once. What the harness holds it
  // to: it calls corrupt only a head that is impossible or went back; when the
  // write needs more room than even the largest possible head so far gives,
  // it must have read the head, and then calls an impossible one corrupt; and
  // it overwrites nothing an honest reader (whose head never goes back) has
  // not read.
  void write(std::uint32_t size, bool last) {
    const std::uint32_t capacity = ring_.capacity;
    const std::uint64_t head = ring_.control->head.load();
    const bool must_read = needed(size) > capacity - (tail_ - largest_possible_head_);
    const producer_result result = producer_.try_write(payload.bytes, size, last);
    const std::uint64_t tail = ring_.control->tail.load();
    const bool possible = head <= tail_ && tail_ - head <= capacity;
    const bool honest = possible && head >= largest_possible_head_;
    if (result == producer_result::corrupt) FUZZ_REQUIRE(!honest);
    if (must_read && !possible) FUZZ_REQUIRE(result == producer_result::corrupt);
    // An empty ring takes any piece: a sender waiting for room does not wait forever.
    if (head == tail_) FUZZ_REQUIRE(result == producer_result::ok);
    if (possible && head > largest_possible_head_) largest_possible_head_ = head;
    if (result != producer_result::ok) {
      FUZZ_REQUIRE(tail == tail_);  // nothing published
      return;
    }
    FUZZ_REQUIRE(tail > tail_);
    if (honest) FUZZ_REQUIRE(tail - head <= capacity);  // no unread byte overwritten
    check_record(size, last, tail);
    tail_ = tail;
  }

 private:
  // The ring space a record of `size` takes at the tail, a wrap included.
  std::uint64_t needed(std::uint32_t size) const {
    const std::uint32_t record = shm::record_header_size + shm::padded(size);
    const auto to_end = ring_.capacity - static_cast<std::uint32_t>(tail_ % ring_.capacity);
    return record > to_end ? std::uint64_t{to_end} + record : record;
  }

  // What the writer put in the ring is one record of `size`, after a wrap
  // record if it did not fit before the end.
  void check_record(std::uint32_t size, bool last, std::uint64_t tail) {
    const std::byte* data = ring_.data.get();
    const std::uint32_t record = shm::record_header_size + shm::padded(size);
    auto at = static_cast<std::uint32_t>(tail_ % ring_.capacity);
    if (tail - tail_ != record) {
      FUZZ_REQUIRE(tail - tail_ == std::uint64_t{ring_.capacity - at} + record);
      FUZZ_REQUIRE(load_u32(data + at) == 0 && load_u32(data + at + 4) == shm::wrap_to_start);
      at = 0;
    }
    FUZZ_REQUIRE(load_u32(data + at) == size);
    FUZZ_REQUIRE(load_u32(data + at + 4) == (last ? shm::end_of_message : 0));
    FUZZ_REQUIRE(std::memcmp(data + at + shm::record_header_size, payload.bytes, size) == 0);
  }

  heap_ring& ring_;
  shm::ring_producer producer_;
  std::uint64_t tail_ = 0;
  std::uint64_t largest_possible_head_ = 0;  // of the heads the peer set at a write
};

// An honest writer fills and the reader empties the ring up to `start`, in
// records that never wrap, so the peer's ring begins at a position of the
// harness's choosing (later laps, offsets other than 0).
void move_to(heap_ring& ring, shm::ring_consumer& consumer, std::uint64_t start) {
  shm::ring_producer producer(ring.control, ring.data.get(), ring.capacity);
  std::uint64_t at = 0;
  while (at < start) {
    const auto to_end = ring.capacity - static_cast<std::uint32_t>(at % ring.capacity);
    std::uint64_t record = ring.capacity / 2;
    if (start - at < record) record = start - at;
    if (to_end < record) record = to_end;
    const auto size = static_cast<std::uint32_t>(record - shm::record_header_size);
    FUZZ_REQUIRE(producer.try_write(payload.bytes, size, true) == producer_result::ok);
    shm::ring_consumer::piece piece;
    FUZZ_REQUIRE(consumer.peek(piece) == consumer_result::ok);
    FUZZ_REQUIRE(piece.size == size && piece.last);
    FUZZ_REQUIRE(std::memcmp(piece.data, payload.bytes, size) == 0);
    consumer.consume();
    at += record;
  }
  FUZZ_REQUIRE(ring.control->tail.load() == start && ring.control->head.load() == start);
}

enum op : std::uint8_t {
  read_record,       // peek, copy out, consume
  peek_again,        // peek and copy out only: a receive cut short (C3, C8)
  tail_near_head,    // tail = head + u16
  tail_anywhere,     // tail = start + u64
  header_near_head,  // at head + 8 * u8: u32 length, u32 flags
  poke_data,         // u32 at any offset of the data area
  write_record,      // this process writes u16 bytes (mod max_piece + 1), last if odd
  head_near_tail,    // the peer's position in our ring: our tail - u16
  head_anywhere,     // ... u64
  op_count
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  input_reader in(bytes, size);
  const auto shape = in.take<std::uint8_t>();
  const std::uint32_t capacity = capacities[shape & 3];
  const std::uint64_t start = std::uint64_t{(shape >> 2) & 31u} * (capacity / 8);

  heap_ring theirs(capacity);  // the peer writes, we read
  shm::ring_consumer consumer(theirs.control, theirs.data.get(), capacity);
  move_to(theirs, consumer, start);
  std::memset(theirs.data.get(), 0, capacity);
  in.copy_to(theirs.control_bytes.get(), sizeof(shm::ring_control));
  in.copy_to(theirs.data.get(), capacity);
  theirs.control->tail.store(start + theirs.control->tail.load());

  reader read(theirs, consumer, start);

  heap_ring ours(capacity);  // we write, the peer reads
  writer write(ours);
  const std::uint32_t max_piece = shm::max_piece(capacity);

  while (!in.done()) {
    switch (in.take<std::uint8_t>() % op_count) {
      case read_record:
        read.step(true);
        break;
      case peek_again:
        read.step(false);
        break;
      case tail_near_head:
        theirs.control->tail.store(read.head() + in.take<std::uint16_t>());
        break;
      case tail_anywhere:
        theirs.control->tail.store(start + in.take<std::uint64_t>());
        break;
      case header_near_head: {
        const auto at = static_cast<std::uint32_t>(
            (read.head() + 8u * in.take<std::uint8_t>()) % capacity);
        const auto length = in.take<std::uint32_t>();
        const auto flags = in.take<std::uint32_t>();
        std::memcpy(theirs.data.get() + at, &length, 4);
        std::memcpy(theirs.data.get() + at + 4, &flags, 4);
        break;
      }
      case poke_data: {
        const auto at = in.take<std::uint16_t>() % (capacity - 3);
        const auto value = in.take<std::uint32_t>();
        std::memcpy(theirs.data.get() + at, &value, 4);
        break;
      }
      case write_record: {
        const auto n = in.take<std::uint16_t>();
        write.write(n % (max_piece + 1), (n & 1) != 0);
        break;
      }
      case head_near_tail:
        ours.control->head.store(write.tail() - in.take<std::uint16_t>());
        break;
      case head_anywhere:
        ours.control->head.store(in.take<std::uint64_t>());
        break;
    }
  }
  read.drain();
  return 0;
}
