// libFuzzer target for the stream frame reader (core/src/stream_channel.hpp,
// framing in docs/wire-format.md): the peer of a tcp:// or unix:// channel
// can send any bytes, cut anywhere, so the reader must hand out exactly the
// frames the stream holds and then the right error, never crash, read out of
// bounds, hang or hold on to what it was not sent.
//
// The real reading code is driven through strait::channel: the channel owns
// one end of an AF_UNIX socket pair, the harness writes the stream into the
// other end in chunks and receives in between, until the channel fails. The
// input:
//
//   byte 0          the channel's maximum message size (bits 0-2) and the
//                   size of the receive buffers (bits 3-5)
//   bytes 1-4       the seed of the schedule: chunk sizes (mostly a few bytes,
//                   now and then kilobytes or all the rest) and, between
//                   chunks, which receive comes next: into a buffer or a
//                   whole message, blocking (timeout 0) or async, the async
//                   one sometimes cancelled (C3, C8)
//   the rest        the byte stream, as the peer sends it
//
// Written out, the stream is parsed once more here, the plain way
// docs/wire-format.md describes, into messages and the error that ends them
// (protocol_error, message_too_large, or broken_pipe at the end of the
// stream). The channel must deliver exactly those messages, in order, at no
// time more bytes than were fed, none over its maximum, then that error, and
// the error that stays after it. A piece the channel gave out of a message
// the stream cut short is a prefix of it. A broken invariant prints what
// broke and traps.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <system_error>
#include <utility>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <sys/socket.h>
#include <unistd.h>

#include <strait/channel.hpp>
#include <strait/error.hpp>

#include "fuzz_require.hpp"
#include "stream_channel.hpp"

namespace {

using local_stream = asio::local::stream_protocol;
using bytes_view = std::span<const std::byte>;

// Up to a little over the longest input (-max_len): a header announcing more
// is cut short either way, and only costs a larger allocation per run.
constexpr std::size_t max_sizes[8] = {0, 1, 100, 4096, 16 * 1024, 17 * 1024, 20000, 32768};
constexpr std::size_t buffer_sizes[8] = {1, 7, 8, 64, 1000, 4096, 17 * 1024, 70000};

// ---- the stream as docs/wire-format.md reads ---------------------------------

struct expected_stream {
  std::vector<bytes_view> messages;
  strait::errc error{};       // what ends them
  bytes_view cut_message;     // with broken_pipe: the payload the stream ended in
};

expected_stream parse_plainly(bytes_view stream, std::size_t max) {
  expected_stream out;
  std::size_t at = 0;
  for (;;) {
    if (stream.size() - at < 8) {
      out.error = strait::errc::broken_pipe;
      return out;
    }
    const auto byte = [&](std::size_t i) { return std::to_integer<std::uint32_t>(stream[at + i]); };
    const std::uint32_t length = byte(0) | byte(1) << 8 | byte(2) << 16 | byte(3) << 24;
    if (byte(4) != 1 || byte(5) != 0 || byte(6) != 0 || byte(7) != 0) {
      out.error = strait::errc::protocol_error;
      return out;
    }
    if (length > max) {
      out.error = strait::errc::message_too_large;
      return out;
    }
    at += 8;
    if (stream.size() - at < length) {
      out.error = strait::errc::broken_pipe;
      out.cut_message = stream.subspan(at);
      return out;
    }
    out.messages.push_back(stream.subspan(at, length));
    at += length;
  }
}

// ---- the schedule -------------------------------------------------------------

class schedule {
 public:
  explicit schedule(std::uint32_t seed) : state_(seed | 1u) {}

  std::uint32_t next() {  // xorshift32
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    return state_;
  }

  std::size_t chunk(std::size_t left) {
    const std::uint32_t r = next();
    std::size_t n;
    switch (r % 8) {
      case 7: n = left; break;
      case 6: n = 1 + (r >> 8) % 32768; break;
      case 5:
      case 4: n = 1 + (r >> 8) % 256; break;
      default: n = 1 + (r >> 8) % 8; break;
    }
    return std::min(n, left);
  }

 private:
  std::uint32_t state_;
};

enum class receive_kind { buffer, message, async_buffer, async_message, count };

// ---- the receiving side -------------------------------------------------------

class receiver {
 public:
  receiver(asio::io_context& io, strait::channel& channel, std::size_t max,
           std::size_t buffer_size)
      : io_(io), channel_(channel), max_(max), buffer_(buffer_size) {}

  bool failed() const { return failure_.has_value(); }
  const std::vector<std::vector<std::byte>>& messages() const { return messages_; }
  const std::vector<std::byte>& current() const { return current_; }
  std::error_code failure() const { return *failure_; }

  // Receives what `fed` bytes allow; with the stream ended, up to the failure.
  void receive_all(schedule& plan, std::size_t fed, bool ended) {
    fed_ = fed;
    while (!failed()) {
      if (pending_) {
        poll();
        if (pending_ && !ended && plan.next() % 4 == 0) {
          channel_.cancel();  // C8: cancelled, nothing lost
          cancelled_ = true;
          poll();
          FUZZ_REQUIRE(!pending_);
        }
        if (pending_) {
          FUZZ_REQUIRE(!ended);  // everything there is has been sent
          return;
        }
        continue;
      }
      constexpr auto kinds = static_cast<std::uint32_t>(receive_kind::count);
      if (!start(static_cast<receive_kind>(plan.next() % kinds), ended)) return;
    }
  }

 private:
  // One receive; false when it has to wait for more bytes.
  bool start(receive_kind kind, bool ended) {
    std::error_code ec;
    switch (kind) {
      case receive_kind::buffer: {
        const std::size_t n = channel_.receive(asio::buffer(buffer_), ec);
        FUZZ_REQUIRE(n <= buffer_.size());
        return outcome(ec, bytes_view(buffer_).first(n), false, ended);
      }
      case receive_kind::message: {
        const auto message = channel_.receive(ec);
        return outcome(ec, message, true, ended);
      }
      case receive_kind::async_buffer:
        pending_ = true;
        channel_.async_receive(asio::buffer(buffer_), [this](std::error_code e, std::size_t n) {
          FUZZ_REQUIRE(n <= buffer_.size());
          async_done(e, bytes_view(buffer_).first(n), false);
        });
        return true;
      case receive_kind::async_message:
        pending_ = true;
        channel_.async_receive([this](std::error_code e, std::vector<std::byte> message) {
          async_done(e, message, true);
        });
        return true;
      case receive_kind::count: break;
    }
    return true;
  }

  void poll() {
    io_.restart();
    io_.poll();
  }

  void async_done(std::error_code ec, bytes_view got, bool whole) {
    FUZZ_REQUIRE(pending_);
    pending_ = false;
    if (ec == strait::errc::operation_aborted) {
      FUZZ_REQUIRE(cancelled_);
      FUZZ_REQUIRE(got.empty());
      cancelled_ = false;
      return;
    }
    cancelled_ = false;
    outcome(ec, got, whole, false);
  }

  // What one receive gave; false when it timed out (wait for more bytes).
  bool outcome(std::error_code ec, bytes_view got, bool whole, bool ended) {
    if (ec == strait::errc::timed_out) {
      FUZZ_REQUIRE(got.empty());
      FUZZ_REQUIRE(!ended);  // the end of the stream is never a timeout
      return false;
    }
    if (ec && ec != strait::errc::more_data) {
      FUZZ_REQUIRE(got.empty());
      failure_ = ec;
      return true;
    }
    FUZZ_REQUIRE(!(whole && ec == strait::errc::more_data));  // a growable message never truncates
    if (ec == strait::errc::more_data) FUZZ_REQUIRE(got.size() == buffer_.size());  // C3
    current_.insert(current_.end(), got.begin(), got.end());
    delivered_ += got.size();
    FUZZ_REQUIRE(delivered_ <= fed_);
    FUZZ_REQUIRE(current_.size() <= max_);
    if (!ec) messages_.push_back(std::exchange(current_, {}));
    return true;
  }

  asio::io_context& io_;
  strait::channel& channel_;
  const std::size_t max_;
  std::vector<std::byte> buffer_;  // exactly the size, for AddressSanitizer; one receive at a time
  std::size_t fed_ = 0;
  std::size_t delivered_ = 0;  // payload bytes handed out
  std::vector<std::vector<std::byte>> messages_;
  std::vector<std::byte> current_;  // pieces of a message not complete yet (C3)
  std::optional<std::error_code> failure_;
  bool pending_ = false;
  bool cancelled_ = false;
};

bool same(bytes_view a, const std::vector<std::byte>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

// The peer's end is a plain socket: the harness writes it with blocking
// calls, and asio need not watch it.
void send_all(int peer, const std::byte* data, std::size_t size) {
  while (size > 0) {
    const auto n = ::send(peer, data, size, MSG_NOSIGNAL);
    FUZZ_REQUIRE(n > 0);
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

asio::io_context& io() {
  static asio::io_context context;  // one for every run: a fresh one costs an epoll set
  return context;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size < 5) return 0;
  const std::size_t max = max_sizes[bytes[0] & 7];
  const std::size_t buffer_size = buffer_sizes[(bytes[0] >> 3) & 7];
  std::uint32_t seed;
  std::memcpy(&seed, bytes + 1, 4);
  const bytes_view stream(reinterpret_cast<const std::byte*>(bytes + 5), size - 5);
  const expected_stream expected = parse_plainly(stream, max);

  int pair[2];
  FUZZ_REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
  local_stream::socket ours(io(), local_stream(), pair[0]);
  const int theirs = pair[1];
  strait::channel channel(std::make_shared<strait::detail::stream_channel<local_stream>>(
      std::move(ours), "unix://fuzz", max, strait::peer_info{}));
  channel.set_receive_timeout(strait::duration::zero());  // what is there, then timed_out

  schedule plan(seed);
  receiver receive(io(), channel, max, buffer_size);
  std::size_t fed = 0;
  while (fed < stream.size() && !receive.failed()) {
    const std::size_t n = plan.chunk(stream.size() - fed);
    send_all(theirs, stream.data() + fed, n);
    fed += n;
    receive.receive_all(plan, fed, false);
  }
  if (!receive.failed()) {
    ::shutdown(theirs, SHUT_WR);  // the end of the stream
    receive.receive_all(plan, fed, true);
  }

  // Exactly the messages of the stream, then its error.
  const auto& got = receive.messages();
  FUZZ_REQUIRE(got.size() == expected.messages.size());
  for (std::size_t i = 0; i < got.size(); ++i) FUZZ_REQUIRE(same(expected.messages[i], got[i]));
  FUZZ_REQUIRE(receive.failure() == expected.error);
  const auto& cut = receive.current();
  FUZZ_REQUIRE(cut.size() <= expected.cut_message.size());
  FUZZ_REQUIRE(same(expected.cut_message.first(cut.size()), cut));

  // The failure stays: protocol_error as it was, the rest as broken_pipe. (A
  // whole-message receive, as pieces of a cut message may still be held, C8.)
  std::error_code again;
  FUZZ_REQUIRE(channel.receive(again).empty());
  const auto staying = expected.error == strait::errc::protocol_error
                           ? strait::errc::protocol_error
                           : strait::errc::broken_pipe;
  FUZZ_REQUIRE(again == staying);

  channel.close();
  ::close(theirs);
  io().restart();
  io().poll();  // what the close left to run
  return 0;
}
