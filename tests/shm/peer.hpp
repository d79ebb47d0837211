// The other process of a tests/shm case: strait_shm_peer, started from
// beside the test executable, and its exit code.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace strait::shm_test {

// Bounds that only mean "did not hang".
inline constexpr std::chrono::seconds exit_timeout{20};
inline constexpr std::chrono::seconds wait_bound{20};

// `strait_shm_peer ROLE ARGS...`
inline test::child_process start_peer(const std::string& role,
                                      const std::vector<std::string>& args) {
  return test::start_beside("strait_shm_peer", role, args);
}

// The peer's exit code; throws when it does not exit within exit_timeout.
inline int exit_code(test::child_process& peer) { return test::exit_code_within(peer, exit_timeout); }

}  // namespace strait::shm_test
