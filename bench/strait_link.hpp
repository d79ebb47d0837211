// strait's own transports as a mechanism (strait_link.cpp).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <strait/channel.hpp>

#include "mechanism.hpp"

namespace strait::bench {

// The mechanism name under which every strait URL is served (`--serve strait URL`).
inline constexpr std::string_view strait_mechanism_name = "strait";

// A URL of `scheme` nobody else uses, on this machine: tcp://127.0.0.1:PORT
// with a free port, otherwise SCHEME://NAME with a fresh name.
std::string default_strait_url(std::string_view scheme);

// The way back for a one-way transport: the same scheme and host, NAME`suffix`
// (the name cut short enough for the suffix to fit).
std::string reply_url(const std::string& url, std::string_view suffix);

// How both ends of a shm:// link wait: the listener's listen_options and the
// client's connect_options get the same values. Other schemes ignore it.
struct shm_waiting {
  wait_strategy wait = wait_strategy::adaptive;
  std::chrono::nanoseconds spin_time = default_shm_spin_time;
};

// "spin", "adaptive", "block"; and back (nullopt for anything else).
std::string_view wait_name(wait_strategy w) noexcept;
std::optional<wait_strategy> parse_wait_name(std::string_view name) noexcept;

// A time given in microseconds on a command line ("20", "0.5"), to the nanosecond.
std::chrono::nanoseconds parse_microseconds(const std::string& text);

// The server's command-line arguments that carry `w` to it
// ("--shm-wait spin --shm-spin-time 20", in µs), read back by parse_shm_argument().
std::vector<std::string> shm_waiting_arguments(const shm_waiting& w);
// Applies `option value` to `w` when it is one of those; false when it is not.
bool parse_shm_argument(const std::string& option, const std::string& value, shm_waiting& w);

// A strait link whose shm:// ends wait as `w` says (both sides of the same run
// must be given the same `w`).
std::unique_ptr<link> serve_strait(const std::string& url, const shm_waiting& w);
std::unique_ptr<link> connect_strait(const std::string& url, const shm_waiting& w);

}  // namespace strait::bench
