// The mailslot tests' harness: peer processes (strait_mailslot_peer, beside
// the test executable), fresh names, and a report mailslot on which peers
// say they are ready.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <strait/strait.hpp>

#include "child_process.hpp"

namespace strait::mailslot_test {

using namespace std::chrono_literals;

// Bounds that only mean "did not hang": a healthy run is far below them.
inline constexpr auto io_timeout = 20s;
inline constexpr auto exit_timeout = 60s;  // 1000 messages under Wine included

inline std::string fresh_name(std::string_view what = "mailslot") {
  return test::unique_name(what);
}

inline test::child_process start_peer(std::string_view role, const std::vector<std::string>& args) {
  return test::start_beside("strait_mailslot_peer", role, args);
}

// The peer's exit code; throws when it does not exit in time.
inline int exit_code(test::child_process& peer) { return test::exit_code_within(peer, exit_timeout); }

// A mailslot on which peers report "ready" before the test goes on.
struct report_box {
  asio::io_context io;
  strait::mailslot box = strait::mailslot::create(io, fresh_name("reports"));
  std::string url = box.endpoint();

  // Waits for `count` reports; says which peer failed when one exits instead.
  void wait_ready(std::size_t count, std::vector<test::child_process>& peers) {
    box.set_read_timeout(250ms);
    const auto give_up = std::chrono::steady_clock::now() + io_timeout;
    while (count > 0) {
      std::error_code ec;
      box.receive(ec);
      if (!ec) {
        --count;
        continue;
      }
      if (ec != strait::errc::timed_out) throw std::system_error(ec, "report");
      for (auto& p : peers)
        if (const auto code = p.wait(0ms))
          throw std::runtime_error("a peer exited with " + std::to_string(*code) +
                                   " before it was ready");
      if (std::chrono::steady_clock::now() > give_up)
        throw std::runtime_error("peers did not report ready in time");
    }
  }
};

}  // namespace strait::mailslot_test
