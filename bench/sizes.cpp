#include "sizes.hpp"

#include <algorithm>

#include "line_chart.hpp"

namespace strait::bench {

std::vector<std::size_t> size_sweep() {
  return {64, 1024, 4096, 64 * 1024, 1 << 20, 16 << 20};
}

std::string write_size_charts(const run_result& result, const std::string& directory) {
  const auto tail = "\\n(" + result.host.cpu + "; " + result.host.os + ")";
  line_chart messages{"sizes-messages", "One-way stream: messages/s by message size" + tail,
                      "message size (log)", "messages/s (log)"};
  line_chart bytes{"sizes-bandwidth", "One-way stream: GB/s by message size" + tail,
                   "message size (log)", "GB/s (log)"};
  for (const auto size : size_sweep())
    for (auto* chart : {&messages, &bytes})
      chart->x_tics.emplace_back(size_text(size), static_cast<double>(size));
  for (const auto& r : result.throughput_rows) {
    if (r.repeats == 0 || !r.error.empty() || r.skipped) continue;
    for (auto* chart : {&messages, &bytes}) {
      auto it = std::find_if(chart->series.begin(), chart->series.end(),
                             [&](const chart_series& s) { return s.label == r.label; });
      if (it == chart->series.end()) it = chart->series.insert(it, chart_series{r.label, {}});
      it->points.emplace_back(static_cast<double>(r.size), chart == &messages
                                                               ? r.messages_per_second
                                                               : r.gigabytes_per_second);
    }
  }
  return write_line_chart(messages, directory) + "\n" + write_line_chart(bytes, directory);
}

}  // namespace strait::bench
