// Raw OS baselines: the same ping-pong written straight against the system
// calls, no strait and no asio, so each strait row has a floor beside it.
// Both ends know the message size, so the raw side needs no framing at all.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace strait::bench {

// The raw mechanisms this platform has ("raw unix", "raw tcp", ...), from
// the platform file (raw_posix.cpp / raw_win32.cpp).
std::vector<std::string> raw_mechanisms();

// The raw mechanism a strait scheme is measured against ("" when none).
std::string raw_floor(const std::string& scheme);

// A fresh address for `mechanism` (a socket path, a port): unique per run.
std::string raw_address(const std::string& mechanism);

// Server side: accept one client, then echo `count` messages of each size in `sizes`.
int raw_serve(const std::string& mechanism, const std::string& address,
              const std::vector<std::size_t>& sizes, std::size_t count);

// Client side: connect (retrying while the server starts), then for each size
// time `count` round trips; returns one sample vector per size.
std::vector<std::vector<std::chrono::nanoseconds>> raw_ping(
    const std::string& mechanism, const std::string& address,
    const std::vector<std::size_t>& sizes, std::size_t count);

}  // namespace strait::bench
