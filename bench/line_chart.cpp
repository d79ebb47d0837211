#include "line_chart.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "mechanism.hpp"

namespace strait::bench {

std::string write_line_chart(const line_chart& chart, const std::string& directory) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::absolute(directory);
  fs::create_directories(dir);
  const auto data = dir / (chart.name + ".dat");
  const auto script = dir / (chart.name + ".gp");
  {
    // One gnuplot data block per series (two blank lines apart: `index`).
    std::ofstream f(data);
    if (!f) throw std::runtime_error("cannot write " + data.string());
    for (const auto& s : chart.series) {
      f << "# " << s.label << "\n";
      for (const auto& [x, y] : s.points) f << fmt::format("{:.6g} {:.6g}\n", x, y);
      f << "\n\n";
    }
  }
  {
    std::ofstream f(script);
    if (!f) throw std::runtime_error("cannot write " + script.string());
    f << "# gnuplot " << chart.name << ".gp (written by strait-bench --plot)\n";
    f << "cd '" << dir.generic_string() << "'\n";
    f << "set grid\nset key outside right top\nset termoption noenhanced\n";
    if (chart.log_x) f << "set logscale x 2\n";
    if (chart.log_y) f << "set logscale y\n";
    if (!chart.x_tics.empty()) {
      f << "set xtics (";
      for (std::size_t i = 0; i < chart.x_tics.size(); ++i)
        f << (i ? ", " : "") << "'" << chart.x_tics[i].first << "' " << chart.x_tics[i].second;
      f << ")\n";
    }
    if (chart.log_x && !chart.x_tics.empty()) {
      // A margin around the ticks: gnuplot leaves out a tick on the range's very edge.
      const auto [low, high] = std::minmax_element(
          chart.x_tics.begin(), chart.x_tics.end(),
          [](const auto& a, const auto& b) { return a.second < b.second; });
      f << fmt::format("set xrange [{:.6g}:{:.6g}]\n", low->second / 1.25, high->second * 1.25);
    }
    f << "set xlabel '" << chart.x_label << "'\nset ylabel '" << chart.y_label << "'\n";
    f << "set title \"" << chart.title << "\"\n";
    for (const auto& [terminal, ext] :
         {std::pair{"svg size 1100,600 dynamic font 'sans,11'", "svg"},
          std::pair{"pngcairo size 1100,600 font 'sans,10'", "png"}}) {
      f << "set terminal " << terminal << "\nset termoption noenhanced\n";
      f << "set output '" << chart.name << "." << ext << "'\nplot ";
      for (std::size_t i = 0; i < chart.series.size(); ++i)
        f << (i ? ", " : "") << "'" << chart.name << ".dat' index " << i
          << " using 1:2 with linespoints title '" << chart.series[i].label << "'";
      f << "\n";
    }
    f << "set output\n";
  }
  if (find_on_path("gnuplot").empty())
    return fmt::format("--plot: gnuplot is not installed; run gnuplot {}", script.string());
  const auto command = fmt::format("gnuplot \"{}\"", script.string());
  if (std::system(command.c_str()) != 0)
    return fmt::format("--plot: gnuplot failed on {}", script.string());
  return fmt::format("--plot: {} chart (SVG and PNG) written to {}", chart.name, dir.string());
}

}  // namespace strait::bench
