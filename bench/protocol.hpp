// The measuring protocol, written once over `link`: the client (the
// strait-bench process) tells the server (its child, `--serve`) what comes
// next in a small control message, then either pings (the server echoes) or
// streams (the server counts, checks sequence numbers and a checksum of every
// byte, and answers with what it saw, so nothing is silently lost).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "mechanism.hpp"

namespace strait::bench {

// A checksum of every byte of a message, cheap enough to run at memory speed
// (four independent sums); linear in the first 8-byte word, where the sender
// writes the sequence number, so the sender can predict the receiver's sum.
std::uint64_t checksum(const std::byte* data, std::size_t size) noexcept;

// The server: answers control messages until the client says it is done.
void serve_phases(link& l);

class client_session {
 public:
  // Says hello and waits for the server's answer.
  explicit client_session(link& l);

  // `count` round trips of `size` bytes, each timed; every echo is compared
  // byte for byte with what was sent (outside the timed part). With a
  // `think` time the server busy-waits that long between receiving each
  // message and echoing it: a peer that does not answer at once.
  std::vector<std::chrono::nanoseconds> round_trips(std::size_t size, std::size_t count,
                                                    std::chrono::nanoseconds think = {});

  // Streams `count` messages of `size` bytes one way and returns the time from
  // the first send to the receiver's verdict; throws bench_error when the
  // receiver saw fewer messages, a sequence gap or a different checksum.
  std::chrono::nanoseconds stream(std::size_t size, std::size_t count);

  // Tells the server to exit and waits for its acknowledgement.
  void finish();

 private:
  link& link_;
  std::vector<std::byte> out_, in_;
};

}  // namespace strait::bench
