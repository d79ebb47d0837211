// The stream channels' frames (core/src/stream_frame.hpp,
// stream_frame_reader.hpp) on their own, in one process: a frame goes out as
// header and payload, in one buffer when the payload is small (issue 13);
// what comes in is a message only when its header keeps the wire format
// (docs/wire-format.md) and the channel's maximum.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "catch.hpp"
#include "stream_frame.hpp"
#include "stream_frame_reader.hpp"

using strait::errc;
using strait::detail::frame_header;
using strait::detail::frame_header_size;
using strait::detail::outgoing_frame;
using strait::detail::stream_frame_reader;

namespace {

std::vector<std::byte> payload(std::size_t n) {
  std::vector<std::byte> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>(i * 7 + 1);
  return out;
}

// The bytes `buffers` point at, one after the other.
std::vector<std::byte> bytes_of(const std::array<asio::const_buffer, 2>& buffers) {
  std::vector<std::byte> out;
  for (const auto& b : buffers) {
    const auto* p = static_cast<const std::byte*>(b.data());
    out.insert(out.end(), p, p + b.size());
  }
  return out;
}

std::vector<std::byte> expected_frame(const std::vector<std::byte>& message) {
  std::vector<std::byte> out(frame_header_size);
  frame_header{static_cast<std::uint32_t>(message.size())}.encode(out.data());
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

// Hands `bytes` to `reader` as if one read had brought them.
void arrive(stream_frame_reader& reader, const std::vector<std::byte>& bytes) {
  const auto room = reader.read_room();
  REQUIRE(room.size() >= bytes.size());
  std::memcpy(room.data(), bytes.data(), bytes.size());
  reader.commit(bytes.size());
}

}  // namespace

TEST_CASE("stream_frame.small_message_leaves_in_one_buffer", "[stream_frame]") {
  const auto message = payload(outgoing_frame::copied_payload);
  outgoing_frame frame;
  frame.start(asio::buffer(message));
  REQUIRE(frame.size() == frame_header_size + message.size());
  for (const std::size_t written : {std::size_t{0}, std::size_t{3}, frame_header_size + 100}) {
    const auto rest = frame.rest(written);
    CHECK(rest[1].size() == 0);
    const auto whole = expected_frame(message);
    CHECK(bytes_of(rest) == std::vector<std::byte>(whole.begin() + written, whole.end()));
  }
}

TEST_CASE("stream_frame.large_message_goes_from_the_callers_buffer", "[stream_frame]") {
  const auto message = payload(outgoing_frame::copied_payload + 1);
  outgoing_frame frame;
  frame.start(asio::buffer(message));
  const auto whole = expected_frame(message);
  const auto first = frame.rest(0);
  CHECK(first[0].size() == frame_header_size);
  CHECK(first[1].data() == message.data());  // not copied
  CHECK(bytes_of(first) == whole);
  const auto later = frame.rest(frame_header_size + 10);
  CHECK(later[0].data() == message.data() + 10);
  CHECK(later[1].size() == 0);
}

TEST_CASE("stream_frame.reader_takes_back_what_an_interrupted_receive_took", "[stream_frame]") {
  stream_frame_reader reader(1024);
  const auto message = payload(100);
  arrive(reader, expected_frame(message));
  REQUIRE(reader.header_buffered());
  REQUIRE_FALSE(reader.begin_message());
  std::vector<std::byte> out(message.size());
  REQUIRE(reader.take(out.data(), 40) == 40u);
  reader.unget(out.data(), 40);  // a timeout loses nothing
  REQUIRE(reader.take(out.data(), out.size()) == message.size());
  CHECK(out == message);
  CHECK(reader.finish_message());
  CHECK_FALSE(reader.in_message());
}

TEST_CASE("stream_frame.reader_refuses_a_header_off_the_wire_format", "[stream_frame]") {
  auto frame = expected_frame(payload(10));
  frame[6] = std::byte{1};  // a reserved byte set
  stream_frame_reader reader(1024);
  arrive(reader, frame);
  CHECK(reader.begin_message() == errc::protocol_error);
  CHECK_FALSE(reader.in_message());
}

TEST_CASE("stream_frame.reader_refuses_a_message_past_the_maximum", "[stream_frame]") {
  std::vector<std::byte> header(frame_header_size);
  frame_header{1025}.encode(header.data());
  stream_frame_reader reader(1024);
  arrive(reader, header);
  CHECK(reader.begin_message() == errc::message_too_large);
  CHECK_FALSE(reader.in_message());
}

TEST_CASE("stream_frame.reader_room_follows_what_arrived_not_the_header", "[stream_frame]") {
  constexpr std::uint32_t claimed = 1u << 30;
  std::vector<std::byte> header(frame_header_size);
  frame_header{claimed}.encode(header.data());
  stream_frame_reader reader(claimed);
  arrive(reader, header);
  REQUIRE_FALSE(reader.begin_message());
  CHECK(reader.message_remaining() == 64u * 1024);
  arrive(reader, payload(1000));
  std::vector<std::byte> out(1000);
  REQUIRE(reader.take(out.data(), out.size()) == 1000u);
  CHECK(reader.message_remaining() == 64u * 1024);  // still the floor
  CHECK(reader.remaining() == claimed - 1000u);
}
