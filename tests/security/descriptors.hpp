// Test support for descriptor exhaustion (issue 12): lowering RLIMIT_NOFILE
// and counting a process's open descriptors (Linux: /proc).
#pragma once

#include <sys/resource.h>

#include <filesystem>
#include <optional>
#include <string>

#include "catch.hpp"

namespace strait::test {

// Lowers this process's RLIMIT_NOFILE soft limit for its lifetime; children
// started meanwhile inherit the lowered limit.
class descriptor_limit {
 public:
  explicit descriptor_limit(rlim_t soft) {
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved_) == 0);
    rlimit lowered = saved_;
    lowered.rlim_cur = soft;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &lowered) == 0);
  }
  ~descriptor_limit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  descriptor_limit(const descriptor_limit&) = delete;
  descriptor_limit& operator=(const descriptor_limit&) = delete;

 private:
  rlimit saved_{};
};

// Open descriptors of a process (the directory's own, for "self", left out);
// nullopt once the process is gone.
inline std::optional<std::size_t> open_descriptors(const std::string& pid) {
  std::error_code ec;
  std::filesystem::directory_iterator it("/proc/" + pid + "/fd", ec);
  if (ec) return std::nullopt;
  std::size_t n = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) return std::nullopt;
    ++n;
  }
  return pid == "self" ? n - 1 : n;
}

}  // namespace strait::test
