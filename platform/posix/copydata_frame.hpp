// copydata:// on POSIX: the frame a writer sends for each message
// (docs/wire-format.md), and the helper file of the reader's socket.
//
//   header   8 bytes payload length, 8 bytes dwData, both little-endian
//   payload  the message
//   answer   1 byte from the reader: copydata_answer (1 = queued)
//
// Helper file beside the socket "<dir>/copydata.NAME" (local_socket.hpp):
//   +max   the reader's maximum message size, in decimal, for writers (C9)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strait::detail {

inline constexpr std::string_view copydata_max_role = "max";
inline constexpr std::size_t copydata_header_size = 16;

struct copydata_header {
  std::uint64_t length = 0;
  std::uint64_t data = 0;
};

inline std::array<std::byte, copydata_header_size> encode_copydata_header(copydata_header h) {
  std::array<std::byte, copydata_header_size> out{};
  for (std::size_t i = 0; i < 8; ++i) {
    out[i] = static_cast<std::byte>(h.length >> (8 * i));
    out[8 + i] = static_cast<std::byte>(h.data >> (8 * i));
  }
  return out;
}

inline copydata_header decode_copydata_header(const std::array<std::byte, copydata_header_size>& in) {
  copydata_header h;
  for (std::size_t i = 0; i < 8; ++i) {
    h.length |= std::uint64_t(std::to_integer<std::uint8_t>(in[i])) << (8 * i);
    h.data |= std::uint64_t(std::to_integer<std::uint8_t>(in[8 + i])) << (8 * i);
  }
  return h;
}

}  // namespace strait::detail
