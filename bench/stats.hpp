// Percentiles of a set of round-trip times.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

namespace strait::bench {

using nanoseconds = std::chrono::nanoseconds;

struct latency {
  double p50 = 0, p99 = 0, p999 = 0, max = 0;  // microseconds
};

inline latency summarize(std::vector<nanoseconds> samples) {
  latency out;
  if (samples.empty()) return out;
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    const auto i = static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1));
    return std::chrono::duration<double, std::micro>(samples[i]).count();
  };
  out.p50 = at(0.50);
  out.p99 = at(0.99);
  out.p999 = at(0.999);
  out.max = at(1.0);
  return out;
}

}  // namespace strait::bench
