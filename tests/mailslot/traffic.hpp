// Mailslot test traffic that writers generate and the reader checks on its
// own: message `seq` of writer `writer` starts with both numbers (u32 LE
// each), so a reader of many writers can tell who sent what and check each
// writer's order (M2); the rest is content derived from both, so a message
// that is cut, altered or mixed with another does not compare equal.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "../conformance/traffic.hpp"

namespace strait::mailslot_test {

using conformance::mismatch;
using conformance::mix;
using conformance::payload;

inline constexpr std::size_t tag_size = 8;

// Mostly small, some of a few KiB, and every 250th exactly `limit` bytes.
inline std::size_t message_size(std::uint32_t writer, std::uint32_t seq, std::size_t limit) {
  if (seq % 250 == 249) return limit;
  const std::uint64_t r = mix(writer * 7919ull + seq);
  const auto bucket = r % 100;
  std::size_t size = (r >> 8) % 256;
  if (bucket >= 70) size = (r >> 8) % 4096;
  if (bucket >= 95) size = (r >> 8) % 20000;
  return std::max(tag_size, std::min(size, limit));
}

inline std::vector<std::byte> tagged_message(std::uint32_t writer, std::uint32_t seq,
                                             std::size_t size) {
  auto bytes = payload(writer, seq, size);
  for (int i = 0; i < 4; ++i) {
    bytes[i] = static_cast<std::byte>(writer >> (8 * i));
    bytes[4 + i] = static_cast<std::byte>(seq >> (8 * i));
  }
  return bytes;
}

inline std::vector<std::byte> stream_message(std::uint32_t writer, std::uint32_t seq,
                                             std::size_t limit) {
  return tagged_message(writer, seq, message_size(writer, seq, limit));
}

struct tag {
  std::uint32_t writer = 0;
  std::uint32_t seq = 0;
};

inline std::optional<tag> read_tag(std::span<const std::byte> m) {
  if (m.size() < tag_size) return std::nullopt;
  tag t;
  for (int i = 0; i < 4; ++i) {
    t.writer |= std::to_integer<std::uint32_t>(m[i]) << (8 * i);
    t.seq |= std::to_integer<std::uint32_t>(m[4 + i]) << (8 * i);
  }
  return t;
}

// Checks that messages from `writers` writers arrive each in order, once,
// whole. Feed it every message; done() when each writer's `count` arrived.
class order_checker {
 public:
  order_checker(std::uint32_t writers, std::uint32_t count, std::size_t limit)
      : next_(writers, 0), count_(count), limit_(limit) {}

  // Empty when `m` is the next message of its writer, else what is wrong.
  std::string check(std::span<const std::byte> m) {
    const auto t = read_tag(m);
    if (!t) return "a message of " + std::to_string(m.size()) + " bytes without a tag";
    if (t->writer >= next_.size()) return "a message from unknown writer " + std::to_string(t->writer);
    auto& next = next_[t->writer];
    if (t->seq != next)
      return "writer " + std::to_string(t->writer) + ": message " + std::to_string(t->seq) +
             " arrived when " + std::to_string(next) + " was due";
    if (auto problem = mismatch(stream_message(t->writer, t->seq, limit_), m); !problem.empty())
      return "writer " + std::to_string(t->writer) + " message " + std::to_string(t->seq) + ": " +
             problem;
    ++next;
    return {};
  }

  bool done() const {
    for (const auto n : next_)
      if (n < count_) return false;
    return true;
  }

 private:
  std::vector<std::uint32_t> next_;
  std::uint32_t count_;
  std::size_t limit_;
};

}  // namespace strait::mailslot_test
