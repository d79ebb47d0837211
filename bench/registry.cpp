// The list of mechanisms, filled by each mechanism's file at start-up.
#include <thread>

#include "mechanism.hpp"

#ifndef STRAIT_BENCH_MISSING_PEERS
#define STRAIT_BENCH_MISSING_PEERS ""
#endif

namespace strait::bench {
namespace {

// A function-local static: registrations run during static initialisation of
// other files, in an order nobody controls.
std::vector<mechanism>& mechanisms() {
  static std::vector<mechanism> list;
  return list;
}

std::function<void()>& server_check() {
  static std::function<void()> check;
  return check;
}

}  // namespace

bool register_mechanism(mechanism m) {
  mechanisms().push_back(std::move(m));
  return true;
}

const std::vector<mechanism>& registered_mechanisms() { return mechanisms(); }

const mechanism* find_mechanism(const std::string& name) {
  for (const auto& m : mechanisms())
    if (m.name == name) return &m;
  return nullptr;
}

std::vector<std::string> missing_peers() {
  // CMake passes "ZeroMQ (libzmq3-dev)|NNG (libnng-dev)"; empty when all were found.
  std::vector<std::string> out;
  const std::string text = STRAIT_BENCH_MISSING_PEERS;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('|', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

void watch_server(std::function<void()> check) { server_check() = std::move(check); }

void retry_until_ready(const std::function<bool()>& attempt, const std::string& what) {
  const auto give_up = std::chrono::steady_clock::now() + link_timeout;
  while (!attempt()) {
    if (server_check()) server_check()();
    if (std::chrono::steady_clock::now() > give_up) throw bench_error(what + ": timed out");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace strait::bench
