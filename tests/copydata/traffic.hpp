// The messages of the copydata:// tests: sizes and contents both ends can
// check without sharing anything but an index.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace strait::copydata_test {

// Zero-length, small, and larger than the POSIX reader's read chunk (C1).
inline constexpr std::array<std::size_t, 6> sizes{0, 1, 100, 4096, 70000, 17};

inline std::size_t size_of(std::size_t index) { return sizes[index % sizes.size()]; }

// Message `index`: a byte pattern that differs per index (C2: nothing altered or swapped).
inline std::vector<std::byte> message(std::size_t index, std::size_t size) {
  std::vector<std::byte> m(size);
  for (std::size_t j = 0; j < size; ++j) m[j] = static_cast<std::byte>((index * 31 + j * 7) & 0xff);
  return m;
}

inline std::vector<std::byte> message(std::size_t index) { return message(index, size_of(index)); }

// The dwData message `index` carries.
inline std::uintptr_t data_of(std::size_t index) { return 1000 + index; }

}  // namespace strait::copydata_test
