// Bytes both processes of a tests/shm case can compute: a seeded pattern
// that changes every byte, so a region seen "byte for byte" (S1) is checked
// as such.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace strait::test {

inline std::byte pattern_byte(std::uint64_t seed, std::size_t i) noexcept {
  std::uint64_t x = seed * 0x9e3779b97f4a7c15ull + i;
  x ^= x >> 29;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 32;
  return static_cast<std::byte>(x);
}

inline void fill_pattern(std::byte* p, std::size_t n, std::uint64_t seed) noexcept {
  for (std::size_t i = 0; i < n; ++i) p[i] = pattern_byte(seed, i);
}

// The index of the first byte that differs, or nullopt.
inline std::optional<std::size_t> check_pattern(const std::byte* p, std::size_t n,
                                                std::uint64_t seed) noexcept {
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] != pattern_byte(seed, i)) return i;
  return std::nullopt;
}

}  // namespace strait::test
