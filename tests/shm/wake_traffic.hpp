// The traffic of the shm.wake.* cases (wake_test.cpp) and of their peer
// (strait_shm_peer stream-sender / stream-receiver): a stream in which one
// side pauses now and then, so that the other runs dry or fills the ring and
// goes to sleep, and must be woken by the next message or the next room.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <strait/channel.hpp>

#include "pattern.hpp"

namespace strait::test::wake {

inline constexpr std::size_t message_count = 3000;
inline constexpr std::size_t ring_bytes = 4096;  // the smallest ring: full in a few messages

// Message i: 1 to 300 bytes, the pattern of seed i.
inline std::size_t message_size(std::size_t i) noexcept { return 1 + (i * 37) % 300; }

inline std::vector<std::byte> message(std::size_t i) {
  std::vector<std::byte> m(message_size(i));
  fill_pattern(m.data(), m.size(), i);
  return m;
}

inline bool is_message(const std::vector<std::byte>& m, std::size_t i) {
  return m.size() == message_size(i) && !check_pattern(m.data(), m.size(), i);
}

// The pausing side stops after every 16th message, long enough for a
// spinning peer to run out of spin (the peers use a spin budget of 0 or a
// few µs) and go to sleep.
inline void pause_after(std::size_t i) {
  if (i % 16 == 15) std::this_thread::sleep_for(std::chrono::microseconds(200));
}

inline std::optional<wait_strategy> parse_wait(const std::string& name) {
  if (name == "spin") return wait_strategy::spin;
  if (name == "adaptive") return wait_strategy::adaptive;
  if (name == "block") return wait_strategy::block;
  return std::nullopt;
}

// Adaptive with a spin budget of 0 sleeps on every wait: as many wake-ups
// as the traffic can give.
inline constexpr auto spin_time = std::chrono::nanoseconds(0);

}  // namespace strait::test::wake
