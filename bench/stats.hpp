// Percentiles of round-trip times, and the median over repeats.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

namespace strait::bench {

// A duration in (fractional) microseconds, the unit every report prints.
inline double microseconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

struct latency {
  double p50 = 0, p99 = 0, p999 = 0, max = 0;  // microseconds
};

// Nearest-rank percentiles of one repeat's samples.
inline latency summarize(std::vector<std::chrono::nanoseconds> samples) {
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

// The median of a few values (the lower middle one for an even count: a
// value that was measured, not an average of two).
inline double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[(values.size() - 1) / 2];
}

// Each statistic is the median of that statistic over the repeats.
inline latency median(const std::vector<latency>& repeats) {
  std::vector<double> p50, p99, p999, max;
  for (const auto& r : repeats) {
    p50.push_back(r.p50);
    p99.push_back(r.p99);
    p999.push_back(r.p999);
    max.push_back(r.max);
  }
  return {median(p50), median(p99), median(p999), median(max)};
}

}  // namespace strait::bench
