// Test support: writing strait's stream frames (docs/wire-format.md) straight
// to a channel's socket, past the library, as a peer that breaks the rules
// or stops inside a message would (tcp://, unix://, POSIX pipe://).
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include <asio/detail/socket_types.hpp>
#include <strait/strait.hpp>

namespace strait::test {

// The socket behind a channel of a stream transport.
template <class Handle>
asio::detail::socket_type socket_of(Handle h) {
  if constexpr (std::is_pointer_v<Handle>)
    return reinterpret_cast<asio::detail::socket_type>(h);
  else
    return static_cast<asio::detail::socket_type>(h);
}

// Writes `bytes` to the channel's socket; throws std::runtime_error when the
// socket refuses them.
inline void write_raw(strait::channel& ch, std::span<const std::byte> bytes) {
  const auto socket = socket_of(ch.native_handle());
  while (!bytes.empty()) {
    const auto n = ::send(socket, reinterpret_cast<const char*>(bytes.data()),
                          static_cast<int>(bytes.size()), 0);
    if (n <= 0) throw std::runtime_error("a raw send on the channel's socket failed");
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
}

// The frame header of a message of `length` bytes: u32 little-endian length,
// u8 type 1, three zero bytes.
inline std::vector<std::byte> frame_header(std::uint32_t length) {
  std::vector<std::byte> header(8, std::byte{0});
  for (int i = 0; i < 4; ++i) header[i] = std::byte(static_cast<unsigned char>(length >> (8 * i)));
  header[4] = std::byte{1};
  return header;
}

}  // namespace strait::test
