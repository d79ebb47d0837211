// The frame format of a stream channel (tcp://, unix://, POSIX pipe://),
// docs/wire-format.md: an 8-byte header (u32 LE length, u8 type = 1, 3 zero
// bytes) followed by the payload.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <asio/buffer.hpp>

namespace strait::detail {

inline constexpr std::size_t frame_header_size = 8;
inline constexpr std::uint8_t frame_type_message = 1;

struct frame_header {
  std::uint32_t length = 0;
  std::uint8_t type = frame_type_message;

  void encode(std::byte* out) const noexcept {
    for (int i = 0; i < 4; ++i) out[i] = static_cast<std::byte>(length >> (8 * i));
    out[4] = static_cast<std::byte>(type);
    out[5] = out[6] = out[7] = std::byte{0};
  }

  // False when the bytes break the wire format (unknown type, reserved bits set).
  static bool decode(const std::byte* in, frame_header& h) noexcept {
    h.length = 0;
    for (int i = 0; i < 4; ++i)
      h.length |= std::uint32_t(std::to_integer<std::uint8_t>(in[i])) << (8 * i);
    h.type = std::to_integer<std::uint8_t>(in[4]);
    return h.type == frame_type_message && in[5] == std::byte{0} && in[6] == std::byte{0} &&
           in[7] == std::byte{0};
  }
};

// One message on its way out as a frame. A small payload is copied behind
// its header, so that the frame leaves in one send() rather than a sendmsg()
// of two buffers: on Linux about 100 ns less for each message (issue 13).
// Larger payloads go from the caller's buffer, uncopied.
class outgoing_frame {
 public:
  static constexpr std::size_t copied_payload = 248;  // header and payload in 256 bytes

  // The bytes stay uninitialized until start(): a send does not clear them.
  outgoing_frame() noexcept {}

  void start(asio::const_buffer message) noexcept {
    message_ = message;
    frame_header{static_cast<std::uint32_t>(message.size())}.encode(bytes_.data());
    if (copied() && message.size() > 0)
      std::memcpy(bytes_.data() + frame_header_size, message.data(), message.size());
  }

  std::size_t size() const noexcept { return frame_header_size + message_.size(); }
  std::size_t payload_size() const noexcept { return message_.size(); }

  // What is left after the first `written` bytes; the second buffer is empty
  // when one is enough.
  std::array<asio::const_buffer, 2> rest(std::size_t written) const noexcept {
    if (copied()) return {asio::buffer(bytes_.data(), size()) + written, asio::const_buffer{}};
    if (written < frame_header_size)
      return {asio::buffer(bytes_.data(), frame_header_size) + written, message_};
    return {message_ + (written - frame_header_size), asio::const_buffer{}};
  }

 private:
  bool copied() const noexcept { return message_.size() <= copied_payload; }

  asio::const_buffer message_;
  std::array<std::byte, frame_header_size + copied_payload> bytes_;
};

}  // namespace strait::detail
