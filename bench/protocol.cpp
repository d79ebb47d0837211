#include "protocol.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

namespace strait::bench {
namespace {

using clock = std::chrono::steady_clock;

enum class op : std::uint64_t { hello = 1, ping = 2, stream = 3, verdict = 4, end = 5 };

constexpr std::uint64_t control_magic = 0x7374726169742d62;  // "strait-b"

// Fixed size, so a raw byte stream can read it without framing.
struct control {
  op what{};
  std::uint64_t a = 0, b = 0, c = 0;
};
constexpr std::size_t control_size = 5 * sizeof(std::uint64_t);

std::uint64_t load_word(const std::byte* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

void store_word(std::byte* p, std::uint64_t w) noexcept { std::memcpy(p, &w, sizeof w); }

void send_control(link& l, const control& c) {
  std::array<std::byte, control_size> bytes;
  const std::uint64_t words[5] = {control_magic, static_cast<std::uint64_t>(c.what), c.a, c.b, c.c};
  std::memcpy(bytes.data(), words, control_size);
  l.send(bytes.data(), bytes.size());
}

control receive_control(link& l) {
  std::array<std::byte, control_size> bytes;
  l.receive(bytes.data(), bytes.size());
  std::uint64_t words[5];
  std::memcpy(words, bytes.data(), control_size);
  if (words[0] != control_magic) throw bench_error("control message garbled");
  return {static_cast<op>(words[1]), words[2], words[3], words[4]};
}

control expect(link& l, op what) {
  const auto c = receive_control(l);
  if (c.what != what)
    throw bench_error("protocol: got control " + std::to_string(static_cast<int>(c.what)) +
                      ", expected " + std::to_string(static_cast<int>(what)));
  return c;
}

// Deterministic payload bytes (xorshift), so a stuck or zeroed buffer shows.
void fill_pattern(std::vector<std::byte>& buffer) {
  std::uint64_t x = 0x9e3779b97f4a7c15;
  for (auto& b : buffer) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<std::byte>(x);
  }
}

// Busy-waits rather than sleeps: a sleep would add the kernel's timer slack
// and a wake-up of its own, and the think time would no longer be exact.
void think(std::chrono::nanoseconds how_long) {
  if (how_long <= std::chrono::nanoseconds::zero()) return;
  const auto until = clock::now() + how_long;
  while (clock::now() < until) {
  }
}

void echo(link& l, std::size_t size, std::size_t count, std::chrono::nanoseconds think_time,
          std::vector<std::byte>& buffer) {
  buffer.resize(std::max(buffer.size(), size));
  for (std::size_t i = 0; i < count; ++i) {
    l.receive(buffer.data(), size);
    think(think_time);
    l.send(buffer.data(), size);
  }
}

void sink(link& l, std::size_t size, std::size_t count, std::vector<std::byte>& buffer) {
  buffer.resize(std::max(buffer.size(), size));
  std::uint64_t sum = 0, sequence_errors = 0;
  for (std::size_t i = 0; i < count; ++i) {
    l.receive(buffer.data(), size);
    if (size >= 8 && load_word(buffer.data()) != i) ++sequence_errors;
    sum += checksum(buffer.data(), size);
  }
  send_control(l, {op::verdict, count, sum, sequence_errors});
}

}  // namespace

std::uint64_t checksum(const std::byte* data, std::size_t size) noexcept {
  std::uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  std::size_t i = 0;
  for (; i + 32 <= size; i += 32) {
    s0 += load_word(data + i);
    s1 += load_word(data + i + 8);
    s2 += load_word(data + i + 16);
    s3 += load_word(data + i + 24);
  }
  for (; i + 8 <= size; i += 8) s0 += load_word(data + i);
  std::uint64_t tail = 0;
  for (; i < size; ++i) tail = (tail << 8) | static_cast<std::uint64_t>(data[i]);
  // Odd weights per lane: a word moved to another lane changes the sum.
  return s0 + 3 * s1 + 5 * s2 + 7 * s3 + 11 * tail + size;
}

void serve_phases(link& l) {
  std::vector<std::byte> buffer;
  for (;;) {
    const auto c = receive_control(l);
    switch (c.what) {
      case op::hello:
        send_control(l, {op::hello});
        break;
      case op::ping:
        echo(l, c.a, c.b, std::chrono::nanoseconds(c.c), buffer);
        break;
      case op::stream:
        sink(l, c.a, c.b, buffer);
        break;
      case op::end:
        send_control(l, {op::end});
        return;
      default:
        throw bench_error("protocol: unexpected control " +
                          std::to_string(static_cast<int>(c.what)));
    }
  }
}

client_session::client_session(link& l) : link_(l) {
  send_control(link_, {op::hello});
  expect(link_, op::hello);
}

std::vector<std::chrono::nanoseconds> client_session::round_trips(
    std::size_t size, std::size_t count, std::chrono::nanoseconds think) {
  out_.resize(size);
  in_.resize(size);
  fill_pattern(out_);
  std::vector<std::chrono::nanoseconds> samples;
  samples.reserve(count);
  std::size_t mismatches = 0;
  send_control(link_, {op::ping, size, count, static_cast<std::uint64_t>(think.count())});
  for (std::size_t i = 0; i < count; ++i) {
    if (size >= 8) store_word(out_.data(), i);
    const auto t0 = clock::now();
    link_.send(out_.data(), size);
    link_.receive(in_.data(), size);
    samples.push_back(clock::now() - t0);
    if (std::memcmp(out_.data(), in_.data(), size) != 0) ++mismatches;
  }
  if (mismatches != 0)
    throw bench_error(std::to_string(mismatches) + " of " + std::to_string(count) +
                      " echoes differ from what was sent");
  return samples;
}

std::chrono::nanoseconds client_session::stream(std::size_t size, std::size_t count) {
  out_.resize(size);
  fill_pattern(out_);
  if (size >= 8) store_word(out_.data(), 0);
  // The checksum is linear in the first word, where message i carries i.
  std::uint64_t expected = checksum(out_.data(), size) * count;
  if (size >= 8) expected += static_cast<std::uint64_t>(count) * (count - 1) / 2;

  send_control(link_, {op::stream, size, count});
  const auto t0 = clock::now();
  for (std::size_t i = 0; i < count; ++i) {
    if (size >= 8) store_word(out_.data(), i);
    link_.send(out_.data(), size);
  }
  const auto verdict = expect(link_, op::verdict);
  const auto elapsed = clock::now() - t0;
  if (verdict.a != count || verdict.c != 0 || verdict.b != expected)
    throw bench_error("receiver saw " + std::to_string(verdict.a) + " of " + std::to_string(count) +
                      " messages, " + std::to_string(verdict.c) + " out of sequence, checksum " +
                      (verdict.b == expected ? "right" : "wrong"));
  return elapsed;
}

void client_session::finish() {
  send_control(link_, {op::end});
  expect(link_, op::end);
}

}  // namespace strait::bench
