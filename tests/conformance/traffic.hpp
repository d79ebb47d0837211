// Test traffic both ends can generate and check on their own: message `seq`
// of stream `seed` has a size and content that depend on both, so a message
// that is lost, duplicated, reordered, cut or altered does not compare equal.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace strait::conformance {

// Seeds of the two directions of the simple roles (send-sizes, receive-sizes...).
inline constexpr std::uint64_t peer_seed = 1;  // what the peer sends
inline constexpr std::uint64_t test_seed = 2;  // what the test sends

// Larger than any transport buffers on the way, so a sender of this many
// bytes is still in the middle of the message when the receiver stops reading.
inline constexpr std::size_t huge_message_size = 32u << 20;

// SplitMix64: a fast, well-mixed 64-bit hash.
inline std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// The content of message `seq` of stream `seed`, `size` bytes long.
inline std::vector<std::byte> payload(std::uint64_t seed, std::uint64_t seq, std::size_t size) {
  std::vector<std::byte> bytes(size);
  const std::uint64_t base = mix(seed ^ mix(seq));
  for (std::size_t i = 0; i < size; i += 8) {
    const std::uint64_t word = mix(base + i);
    std::memcpy(bytes.data() + i, &word, std::min<std::size_t>(8, size - i));
  }
  return bytes;
}

// The size of message `seq` of stream `seed`: mostly small, some of a few
// KiB, a few over 64 KiB (larger than one read of the transport), and every
// 500th empty.
inline std::size_t stream_message_size(std::uint64_t seed, std::uint64_t seq) noexcept {
  if (seq % 500 == 499) return 0;
  const std::uint64_t r = mix(seed * 31 + seq);
  const auto bucket = r % 1000;
  if (bucket < 600) return (r >> 10) % 256;
  if (bucket < 900) return (r >> 10) % 4096;
  if (bucket < 995) return (r >> 10) % 20000;
  return 65536 + (r >> 10) % 70000;
}

// Sizes of up to a few hundred bytes, so that some messages fit in the
// transport's buffers without anyone reading (C4: sent, then closed).
inline std::size_t small_size(std::uint64_t seq) noexcept { return (seq * 37) % 500; }

inline std::vector<std::byte> stream_message(std::uint64_t seed, std::uint64_t seq) {
  return payload(seed, seq, stream_message_size(seed, seq));
}

// The stream the test sends back to a peer whose own stream is `seed`.
inline std::uint64_t reply_seed(std::uint64_t seed) noexcept { return seed ^ 0x5eed5eed5eedull; }

// Empty when `got` is `expected`, else what differs.
inline std::string mismatch(std::span<const std::byte> expected, std::span<const std::byte> got) {
  if (expected.size() != got.size())
    return "size " + std::to_string(got.size()) + ", expected " + std::to_string(expected.size());
  const auto diff = std::mismatch(expected.begin(), expected.end(), got.begin());
  if (diff.first == expected.end()) return {};
  return "content differs from byte " + std::to_string(diff.first - expected.begin()) +
         " of " + std::to_string(expected.size());
}

}  // namespace strait::conformance
