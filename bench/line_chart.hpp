// A line chart for --plot: one line per mechanism over a numeric x axis (the
// size sweep's throughput against message size, the clients sweep's round
// trips/s against the number of clients). Written as data and a gnuplot
// script beside report.cpp's charts; gnuplot draws it when it is on PATH.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace strait::bench {

struct chart_series {
  std::string label;
  std::vector<std::pair<double, double>> points;  // x, y; measured points only
};

struct line_chart {
  std::string name;  // file stem: NAME.dat, NAME.gp, NAME.svg, NAME.png
  std::string title, x_label, y_label;
  bool log_x = true, log_y = true;
  std::vector<std::pair<std::string, double>> x_tics{};  // labelled ticks; empty: gnuplot's
  std::vector<chart_series> series{};
};

// Writes `chart` into `directory` and runs gnuplot when it can; returns a line
// saying what was written.
std::string write_line_chart(const line_chart& chart, const std::string& directory);

}  // namespace strait::bench
