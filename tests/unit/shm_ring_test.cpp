// The shm:// ring (core/src/shm_ring.hpp) on its own, in one process: what an
// honest producer writes, the consumer reads back; every impossible value a
// peer can put in the shared part is corrupt (S6), never an out-of-bounds
// read. tests/fuzz/shm_ring_fuzz.cpp tries the values nobody thought of.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "catch.hpp"
#include "shm_ring.hpp"

namespace shm = strait::detail::shm;
using producer_result = shm::ring_producer::result;
using consumer_result = shm::ring_consumer::result;

namespace {

// One ring in ordinary memory: the control block and `capacity` bytes of data.
class test_ring {
 public:
  explicit test_ring(std::uint32_t capacity = shm::min_capacity)
      : capacity_(capacity), control_(new shm::ring_control{}), data_(capacity) {}
  ~test_ring() { delete control_; }
  test_ring(const test_ring&) = delete;
  test_ring& operator=(const test_ring&) = delete;

  shm::ring_producer producer() { return {control_, data_.data(), capacity_}; }
  shm::ring_consumer consumer() { return {control_, data_.data(), capacity_}; }

  std::uint32_t capacity() const { return capacity_; }
  shm::ring_control& control() { return *control_; }

  // What a peer may scribble: a record header at `offset` of the data area.
  void put_header(std::uint32_t offset, std::uint32_t size, std::uint32_t flags) {
    std::memcpy(data_.data() + offset, &size, 4);
    std::memcpy(data_.data() + offset + 4, &flags, 4);
  }

 private:
  std::uint32_t capacity_;
  shm::ring_control* control_;  // over-aligned: new, not a member
  std::vector<std::byte> data_;
};

std::vector<std::byte> pattern(std::size_t size, unsigned seed) {
  std::vector<std::byte> bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = std::byte((i * 131 + seed * 7 + 1) & 0xff);
  return bytes;
}

// Peeks one record, checks it lies inside the data area, copies it out and consumes it.
std::vector<std::byte> take_piece(shm::ring_consumer& consumer, bool& last) {
  shm::ring_consumer::piece piece;
  REQUIRE(consumer.peek(piece) == consumer_result::ok);
  last = piece.last;
  std::vector<std::byte> out(piece.data, piece.data + piece.size);
  consumer.consume();
  return out;
}

// Writes `message` in pieces of at most max_piece, reading each piece back
// right away (the ring never holds more than one), and returns what was read.
std::vector<std::byte> round_trip(shm::ring_producer& producer, shm::ring_consumer& consumer,
                                  const std::vector<std::byte>& message) {
  std::vector<std::byte> received;
  std::size_t sent = 0;
  do {
    const auto n = static_cast<std::uint32_t>(
        std::min<std::size_t>(message.size() - sent, producer.max_piece()));
    const bool last = sent + n == message.size();
    REQUIRE(producer.try_write(message.data() + sent, n, last) == producer_result::ok);
    sent += n;
    bool got_last = false;
    const auto piece = take_piece(consumer, got_last);
    CHECK(got_last == last);
    received.insert(received.end(), piece.begin(), piece.end());
  } while (sent < message.size());
  return received;
}

}  // namespace

TEST_CASE("shm_ring.capacities", "[shm_ring]") {
  CHECK(shm::valid_capacity(4096));
  CHECK(shm::valid_capacity(4160));
  CHECK_FALSE(shm::valid_capacity(4032));
  CHECK_FALSE(shm::valid_capacity(4100));
  CHECK_FALSE(shm::valid_capacity(std::uint64_t{1} << 31));
  CHECK(shm::max_piece(4096) == 2040);
  CHECK(shm::padded(0) == 0);
  CHECK(shm::padded(1) == 8);
  CHECK(shm::padded(8) == 8);
}

TEST_CASE("shm_ring.round_trip", "[shm_ring]") {
  test_ring ring;
  auto producer = ring.producer();
  auto consumer = ring.consumer();
  shm::ring_consumer::piece piece;
  CHECK(consumer.peek(piece) == consumer_result::empty);
  CHECK_FALSE(consumer.readable());

  const auto hello = pattern(5, 1);
  REQUIRE(producer.try_write(hello.data(), 5, true) == producer_result::ok);
  CHECK(ring.control().tail.load() == 16);  // header + 5 bytes padded to 8
  CHECK(consumer.readable());
  REQUIRE(consumer.peek(piece) == consumer_result::ok);
  CHECK(piece.size == 5);
  CHECK(piece.last);
  CHECK(std::vector<std::byte>(piece.data, piece.data + piece.size) == hello);
  REQUIRE(consumer.peek(piece) == consumer_result::ok);  // peek again: the same record
  CHECK(piece.size == 5);
  consumer.consume();
  CHECK(ring.control().head.load() == 16);
  CHECK(consumer.peek(piece) == consumer_result::empty);
  CHECK_FALSE(consumer.readable());
}

TEST_CASE("shm_ring.zero_length_message", "[shm_ring]") {
  test_ring ring;
  auto producer = ring.producer();
  auto consumer = ring.consumer();
  REQUIRE(producer.try_write(nullptr, 0, true) == producer_result::ok);
  CHECK(ring.control().tail.load() == 8);
  bool last = false;
  CHECK(take_piece(consumer, last).empty());
  CHECK(last);
}

TEST_CASE("shm_ring.wrap_record_before_the_end", "[shm_ring]") {
  test_ring ring;  // 4096
  auto producer = ring.producer();
  auto consumer = ring.consumer();
  const auto filler = pattern(1000, 2);  // records of 1008 bytes
  for (int i = 0; i < 4; ++i) CHECK(round_trip(producer, consumer, filler) == filler);
  REQUIRE(ring.control().tail.load() == 4032);  // 64 bytes to the end

  const auto message = pattern(100, 3);  // 108 bytes: does not fit before the end
  REQUIRE(producer.try_write(message.data(), 100, true) == producer_result::ok);
  CHECK(ring.control().tail.load() == 4096 + 8 + 104);
  shm::ring_consumer::piece piece;
  REQUIRE(consumer.peek(piece) == consumer_result::ok);
  CHECK(ring.control().head.load() == 4096);  // the skipped space is given back at once
  CHECK(piece.size == 100);
  CHECK(std::vector<std::byte>(piece.data, piece.data + piece.size) == message);
  consumer.consume();
  CHECK(ring.control().head.load() == 4096 + 112);
  CHECK(consumer.peek(piece) == consumer_result::empty);
}

TEST_CASE("shm_ring.many_laps_of_every_size", "[shm_ring]") {
  test_ring ring(4160);  // not a power of two
  auto producer = ring.producer();
  auto consumer = ring.consumer();
  for (std::uint32_t size = 0; size <= 3 * producer.max_piece(); size += 37) {
    const auto message = pattern(size, size);
    REQUIRE(round_trip(producer, consumer, message) == message);
  }
  CHECK(ring.control().tail.load() > 20 * 4160);
  CHECK(ring.control().head.load() == ring.control().tail.load());
}

TEST_CASE("shm_ring.multi_piece_message", "[shm_ring]") {
  test_ring ring;
  auto producer = ring.producer();
  auto consumer = ring.consumer();
  const auto message = pattern(5000, 4);  // 2040 + 2040 + 920
  std::size_t sent = 0;
  int pieces = 0;
  std::vector<std::byte> received;
  bool last = false;
  while (!last) {
    // Two pieces fit in the ring at once: write ahead while there is room.
    while (sent < message.size()) {
      const auto n = static_cast<std::uint32_t>(
          std::min<std::size_t>(message.size() - sent, producer.max_piece()));
      const bool end = sent + n == message.size();
      if (producer.try_write(message.data() + sent, n, end) != producer_result::ok) break;
      sent += n;
    }
    const auto piece = take_piece(consumer, last);
    CHECK(piece.size() <= producer.max_piece());
    received.insert(received.end(), piece.begin(), piece.end());
    ++pieces;
  }
  CHECK(pieces == 3);
  CHECK(received == message);
}

TEST_CASE("shm_ring.full_ring", "[shm_ring]") {
  test_ring ring;
  auto producer = ring.producer();
  auto consumer = ring.consumer();
  const auto big = pattern(producer.max_piece(), 5);
  REQUIRE(producer.try_write(big.data(), producer.max_piece(), false) == producer_result::ok);
  REQUIRE(producer.try_write(big.data(), producer.max_piece(), true) == producer_result::ok);
  CHECK(ring.control().tail.load() == 4096);
  CHECK(producer.room_for(0) == producer_result::full);
  CHECK(producer.try_write(nullptr, 0, true) == producer_result::full);
  CHECK(ring.control().tail.load() == 4096);  // nothing written

  bool last = true;
  CHECK(take_piece(consumer, last) == big);
  CHECK_FALSE(last);
  CHECK(producer.room_for(producer.max_piece()) == producer_result::ok);
  CHECK(producer.room_for(producer.max_piece() + 8) == producer_result::full);
}

TEST_CASE("shm_ring.empty_ring_always_has_room_for_a_piece", "[shm_ring]") {
  // Whatever the offset, a drained ring takes the largest piece (with a wrap
  // record if need be): a sender waiting for room is never waiting forever.
  test_ring ring;
  auto producer = ring.producer();
  auto consumer = ring.consumer();
  const auto big = pattern(producer.max_piece(), 6);
  for (std::uint32_t step = 0; step < ring.capacity(); step += 8) {
    CHECK(producer.room_for(producer.max_piece()) == producer_result::ok);
    REQUIRE(producer.try_write(big.data(), producer.max_piece(), true) == producer_result::ok);
    bool last = false;
    REQUIRE(take_piece(consumer, last) == big);
    REQUIRE(producer.try_write(nullptr, 0, true) == producer_result::ok);  // moves on by 8
    take_piece(consumer, last);
  }
}

TEST_CASE("shm_ring.corrupt_tail", "[shm_ring][S6]") {
  test_ring ring;
  auto consumer = ring.consumer();
  shm::ring_consumer::piece piece;

  SECTION("beyond head + capacity") {
    ring.control().tail = ring.capacity() + 8;
    CHECK(consumer.peek(piece) == consumer_result::corrupt);
  }
  SECTION("behind head") {
    auto producer = ring.producer();
    REQUIRE(producer.try_write("abc", 3, true) == producer_result::ok);
    bool last = false;
    take_piece(consumer, last);
    ring.control().tail = 8;
    CHECK(consumer.peek(piece) == consumer_result::corrupt);
  }
  SECTION("shorter than a record header") {
    ring.put_header(0, 0, shm::end_of_message);
    ring.control().tail = 4;
    CHECK(consumer.peek(piece) == consumer_result::corrupt);
  }
  SECTION("shorter than the record") {
    ring.put_header(0, 8, shm::end_of_message);
    ring.control().tail = 8;
    CHECK(consumer.peek(piece) == consumer_result::corrupt);
  }
}

TEST_CASE("shm_ring.corrupt_record", "[shm_ring][S6]") {
  test_ring ring;
  auto consumer = ring.consumer();
  shm::ring_consumer::piece piece;
  ring.control().tail = ring.capacity();  // everything readable: only the header is wrong

  SECTION("length over max_piece") {
    ring.put_header(0, shm::max_piece(ring.capacity()) + 1, shm::end_of_message);
    CHECK(consumer.peek(piece) == consumer_result::corrupt);
  }
  SECTION("length near 2^32") {
    ring.put_header(0, 0xfffffffc, shm::end_of_message);
    CHECK(consumer.peek(piece) == consumer_result::corrupt);
  }
  SECTION("unknown flags") {
    for (std::uint32_t flags : {4u, 8u, 0x80000000u, shm::end_of_message | 4u,
                                shm::wrap_to_start | shm::end_of_message}) {
      auto fresh = ring.consumer();
      ring.put_header(0, 1, flags);
      CHECK(fresh.peek(piece) == consumer_result::corrupt);
    }
  }
  SECTION("wrap record at offset 0") {
    ring.put_header(0, 0, shm::wrap_to_start);
    CHECK(consumer.peek(piece) == consumer_result::corrupt);
  }
  SECTION("wrap record with a length") {
    ring.put_header(0, 16, 0);  // a 24-byte record, then the wrap
    ring.put_header(24, 8, shm::wrap_to_start);
    REQUIRE(consumer.peek(piece) == consumer_result::ok);
    consumer.consume();
    CHECK(consumer.peek(piece) == consumer_result::corrupt);
  }
  SECTION("wrap record past the tail") {
    ring.put_header(0, 16, 0);
    ring.put_header(24, 0, shm::wrap_to_start);
    ring.control().tail = 64;  // the wrap claims up to 4096
    REQUIRE(consumer.peek(piece) == consumer_result::ok);
    consumer.consume();
    CHECK(consumer.peek(piece) == consumer_result::corrupt);
    CHECK(ring.control().head.load() == 24);  // nothing skipped
  }
  SECTION("two wrap records in a row") {
    ring.put_header(0, 16, 0);
    ring.put_header(24, 0, shm::wrap_to_start);
    REQUIRE(consumer.peek(piece) == consumer_result::ok);
    consumer.consume();
    ring.put_header(0, 0, shm::wrap_to_start);  // where the first wrap leads
    ring.control().tail = 4096 + 8;
    CHECK(consumer.peek(piece) == consumer_result::corrupt);
  }
  SECTION("record crossing the end of the ring") {
    // Walk to 16 bytes before the end with records of max_piece and 0 bytes.
    const std::uint32_t half = shm::max_piece(ring.capacity());
    ring.put_header(0, half, 0);
    std::uint32_t at = 8 + half;
    while (at < ring.capacity() - 16) {
      ring.put_header(at, 0, 0);
      at += 8;
    }
    ring.put_header(at, 16, shm::end_of_message);  // 24 bytes, 16 left
    while (ring.control().head.load() < at) {
      REQUIRE(consumer.peek(piece) == consumer_result::ok);
      consumer.consume();
    }
    REQUIRE(ring.control().head.load() == at);
    CHECK(consumer.peek(piece) == consumer_result::corrupt);
  }
}

TEST_CASE("shm_ring.corrupt_head", "[shm_ring][S6]") {
  // The producer reads the consumer's head when the room it knew of is not
  // enough (here: the ring is full); what it reads then must be possible.
  test_ring ring;
  auto producer = ring.producer();
  auto consumer = ring.consumer();
  const auto big = pattern(producer.max_piece(), 7);
  REQUIRE(producer.try_write(big.data(), producer.max_piece(), true) == producer_result::ok);
  REQUIRE(producer.try_write(big.data(), producer.max_piece(), true) == producer_result::ok);
  REQUIRE(ring.control().tail.load() == ring.capacity());

  SECTION("ahead of the tail") {
    ring.control().head = ring.capacity() + 8;
    CHECK(producer.room_for(0) == producer_result::corrupt);
    CHECK(producer.try_write("x", 1, true) == producer_result::corrupt);
    CHECK(ring.control().tail.load() == ring.capacity());  // nothing written
  }
  SECTION("moved back, more than a ring behind the tail") {
    bool last = false;
    take_piece(consumer, last);  // head 2048
    REQUIRE(producer.try_write(big.data(), producer.max_piece(), true) == producer_result::ok);
    ring.control().head = 0;  // behind the 2048 the producer read
    CHECK(producer.room_for(0) == producer_result::corrupt);
    CHECK(ring.control().tail.load() == ring.capacity() + 2048);
  }
  SECTION("moved back within a ring of the tail") {
    bool last = false;
    take_piece(consumer, last);                                    // head 2048
    REQUIRE(producer.room_for(0) == producer_result::ok);          // read: 2048
    REQUIRE(producer.try_write("abc", 3, true) == producer_result::ok);  // tail 4112
    ring.control().head = 1024;  // possible for that tail, but behind the 2048 it read
    CHECK(producer.room_for(producer.max_piece()) == producer_result::corrupt);
  }
}
