// --sizes: the one-way stream over a range of message sizes, so a chart shows
// where each transport's cost turns from per-message to per-byte (issue 13).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "results.hpp"

namespace strait::bench {

// 64 B, 1 KiB, 4 KiB, 64 KiB, 1 MiB, 16 MiB.
std::vector<std::size_t> size_sweep();

// The chart of messages/s and GB/s against size for every measured mechanism
// (--plot with --sizes); returns what write_line_chart() says.
std::string write_size_charts(const run_result& result, const std::string& directory);

}  // namespace strait::bench
