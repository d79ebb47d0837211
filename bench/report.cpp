// The results of a run as a table on the terminal, JSON, CSV and gnuplot charts.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "goals.hpp"
#include "results.hpp"

namespace strait::bench {
namespace {

const char* family_name(family f) {
  switch (f) {
    case family::raw:
      return "raw";
    case family::strait:
      return "strait";
    case family::peer:
      return "peer";
  }
  return "?";
}

std::string count_text(double n) {
  if (n >= 1e6) return fmt::format("{:.2f} M", n / 1e6);
  if (n >= 1e3) return fmt::format("{:.1f} k", n / 1e3);
  return fmt::format("{:.0f}", n);
}

bool measured(const row& r) { return r.error.empty() && r.repeats > 0; }

const row* find_row(const std::vector<row>& rows, const std::string& label, std::size_t size) {
  for (const auto& r : rows)
    if (r.label == label && r.size == size && measured(r)) return &r;
  return nullptr;
}

// "1.12x raw unix stream, 0.95x raw shm futex", or "" without a measured baseline.
template <class Ratio>
std::string overhead_text(const row& r, const std::vector<row>& rows, Ratio ratio) {
  std::string out;
  for (const auto& name : r.baselines)
    if (const auto* b = find_row(rows, name, r.size); b && measured(r)) {
      if (!out.empty()) out += ", ";
      out += fmt::format("{:.2f}x {}", ratio(r, *b), name);
    }
  return out;
}

std::size_t label_width(const run_result& result) {
  std::size_t w = 9;
  for (const auto* rows : {&result.latency_rows, &result.throughput_rows})
    for (const auto& r : *rows) w = std::max(w, r.label.size());
  return w;
}

// Rows of one size, in the order they were measured (raw, strait, peers).
std::map<std::size_t, std::vector<const row*>> by_size(const std::vector<row>& rows) {
  std::map<std::size_t, std::vector<const row*>> out;
  for (const auto& r : rows) out[r.size].push_back(&r);
  return out;
}

}  // namespace

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\')
      out += {'\\', c};
    else if (static_cast<unsigned char>(c) < 0x20)
      out += fmt::format("\\u{:04x}", c);
    else
      out += c;
  }
  return out + "\"";
}

std::string json_number(double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : "null"; }

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string size_text(std::size_t size) {
  if (size >= (1u << 20) && size % (1u << 20) == 0) return fmt::format("{} MiB", size >> 20);
  if (size >= 1024 && size % 1024 == 0) return fmt::format("{} KiB", size >> 10);
  return fmt::format("{} B", size);
}

double latency_overhead(const row& r, const row& b) {
  return measured(r) && measured(b) && b.rtt.p50 > 0 ? r.rtt.p50 / b.rtt.p50 : 0;
}

double throughput_overhead(const row& r, const row& b) {
  // Time per message: the baseline's rate over this row's (above 1 is slower).
  return measured(r) && measured(b) && r.messages_per_second > 0
             ? b.messages_per_second / r.messages_per_second
             : 0;
}

void print_tables(const run_result& result) {
  const auto& s = result.settings;
  const auto w = label_width(result);
  fmt::print("\nstrait-bench ({}): {}, median of {} repeats{}\n", s.mode,
             s.fixed_iterations != 0 ? fmt::format("{} iterations per repeat", s.fixed_iterations)
                                     : fmt::format("{:.2g} s per repeat", s.budget_seconds),
             s.repeats,
             s.rounds > 1 ? fmt::format(" in each of {} rounds, then the median over the rounds",
                                        s.rounds)
                          : "");
  fmt::print("machine: {}; {}; {}; {}, {}\n", result.host.cpu, result.host.cpus, result.host.os,
             result.host.compiler, result.host.build);
  if (s.pin.size() == 2)
    fmt::print("pinned: client on CPU {}, server on CPU {}\n", s.pin[0], s.pin[1]);
  fmt::print("shm:// adaptive spin budget {:g} µs (both ends); the slow peer thinks {:g} µs\n",
             microseconds(s.shm_spin_time), microseconds(s.think_time));
  fmt::print("{} took {:.0f} s\n", result.started, result.seconds);

  fmt::print("\nRound-trip latency, µs (overhead: p50 time against the raw floor)\n");
  fmt::print("{:>7}  {:<{}} {:>9} {:>9} {:>9} {:>9} {:>9}  {}\n", "size", "mechanism", w, "p50",
             "p99", "p99.9", "max", "trips", "overhead");
  for (const auto& [size, rows] : by_size(result.latency_rows)) {
    for (const auto* r : rows) {
      if (!measured(*r)) {
        fmt::print("{:>7}  {:<{}} {:>9}  {}\n", size_text(size), r->label, w, "-",
                   r->skipped ? "skipped: " + r->error : "FAILED: " + r->error);
        continue;
      }
      fmt::print("{:>7}  {:<{}} {:>9.2f} {:>9.2f} {:>9.2f} {:>9.2f} {:>9}  {}\n", size_text(size),
                 r->label, w, r->rtt.p50, r->rtt.p99, r->rtt.p999, r->rtt.max,
                 count_text(static_cast<double>(r->count)),
                 overhead_text(*r, result.latency_rows, latency_overhead));
    }
    fmt::print("\n");
  }

  fmt::print(
      "One-way throughput (the receiver checks count, order and a checksum of every byte;\n"
      "overhead: time per message against the raw floor)\n");
  fmt::print("{:>7}  {:<{}} {:>10} {:>9} {:>9}  {}\n", "size", "mechanism", w, "msgs/s", "GB/s",
             "messages", "overhead");
  for (const auto& [size, rows] : by_size(result.throughput_rows)) {
    for (const auto* r : rows) {
      if (!measured(*r)) {
        fmt::print("{:>7}  {:<{}} {:>10}  {}\n", size_text(size), r->label, w, "-",
                   r->skipped ? "skipped: " + r->error : "FAILED: " + r->error);
        continue;
      }
      fmt::print("{:>7}  {:<{}} {:>10} {:>9.3f} {:>9}  {}\n", size_text(size), r->label, w,
                 count_text(r->messages_per_second), r->gigabytes_per_second,
                 count_text(static_cast<double>(r->count)),
                 overhead_text(*r, result.throughput_rows, throughput_overhead));
    }
    fmt::print("\n");
  }

  if (!result.notes.empty()) {
    fmt::print("Notes:\n");
    for (const auto& n : result.notes) fmt::print("  {}\n", n);
  }
}

void write_json_end(std::ostream& out, const std::vector<goal>& goals,
                    const std::vector<std::string>& notes, bool failed) {
  out << "  \"goals\": [\n";
  for (std::size_t i = 0; i < goals.size(); ++i) {
    const auto& g = goals[i];
    std::vector<std::string> round_ratios;
    for (const double r : g.round_ratios) round_ratios.push_back(json_number(r));
    out << fmt::format(
        "    {{\"goal\": {}, \"mechanism\": {}, \"baseline\": {}, \"size\": {}, "
        "\"measure\": {}, \"value\": {}, \"baseline_value\": {}, \"ratio\": {}, "
        "\"round_ratios\": [{}], \"limit\": {}, \"limit_is\": \"{}\", \"verdict\": {}, "
        "\"detail\": {}}}{}\n",
        json_string(g.text), json_string(g.subject), json_string(g.baseline), g.size,
        json_string(g.measure), json_number(g.value), json_number(g.base), json_number(g.ratio),
        fmt::join(round_ratios, ", "), json_number(g.limit),
        g.bandwidth ? "at least" : "at most", json_string(outcome_text(g.result)),
        json_string(g.detail),
        i + 1 < goals.size() ? "," : "");
  }
  out << "  ],\n";
  out << "  \"notes\": [";
  for (std::size_t i = 0; i < notes.size(); ++i) out << (i ? ", " : "") << json_string(notes[i]);
  out << "],\n  \"failed\": " << (failed ? "true" : "false") << "\n}\n";
}

void write_json(const run_result& result, const std::string& file) {
  std::ofstream out(file);
  if (!out) throw std::runtime_error("cannot write " + file);
  const auto& s = result.settings;
  out << "{\n  \"tool\": \"strait-bench\",\n";
  out << "  \"started\": " << json_string(result.started) << ",\n";
  out << "  \"seconds\": " << json_number(result.seconds) << ",\n";
  out << "  \"command\": " << json_string(s.command) << ",\n";
  out << fmt::format(
      "  \"settings\": {{\"mode\": {}, \"repeats\": {}, \"rounds\": {}, \"budget_seconds\": {}, "
      "\"fixed_iterations\": {}, \"pin\": [{}], \"shm_spin_time_us\": {}, "
      "\"think_time_us\": {}}},\n",
      json_string(s.mode), s.repeats, s.rounds, json_number(s.budget_seconds), s.fixed_iterations,
      fmt::join(s.pin, ", "), json_number(microseconds(s.shm_spin_time)),
      json_number(microseconds(s.think_time)));
  out << fmt::format(
      "  \"machine\": {{\"cpu\": {}, \"cpus\": {}, \"os\": {}, \"compiler\": {}, \"build\": "
      "{}}},\n",
      json_string(result.host.cpu), json_string(result.host.cpus), json_string(result.host.os),
      json_string(result.host.compiler), json_string(result.host.build));

  auto write_rows = [&](const char* key, const std::vector<row>& rows, bool latency) {
    out << "  \"" << key << "\": [\n";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto& r = rows[i];
      out << fmt::format(
          "    {{\"mechanism\": {}, \"family\": \"{}\", \"address\": {}, "
          "\"size\": {}, \"count\": {}, \"repeats\": {}, ",
          json_string(r.label), family_name(r.kind), json_string(r.address), r.size, r.count,
          r.repeats);
      if (r.think.count() != 0)
        out << fmt::format("\"think_us\": {}, ", json_number(microseconds(r.think)));
      if (!measured(r))
        out << fmt::format("\"{}\": {}", r.skipped ? "skipped" : "error", json_string(r.error));
      else if (latency)
        out << fmt::format("\"p50_us\": {}, \"p99_us\": {}, \"p999_us\": {}, \"max_us\": {}",
                           json_number(r.rtt.p50), json_number(r.rtt.p99), json_number(r.rtt.p999),
                           json_number(r.rtt.max));
      else
        out << fmt::format("\"messages_per_second\": {}, \"gigabytes_per_second\": {}",
                           json_number(r.messages_per_second), json_number(r.gigabytes_per_second));
      out << ", \"overhead\": {";
      bool first = true;
      for (const auto& name : r.baselines)
        if (const auto* b = find_row(rows, name, r.size); b && measured(r)) {
          out << (first ? "" : ", ") << json_string(name) << ": "
              << json_number(latency ? latency_overhead(r, *b) : throughput_overhead(r, *b));
          first = false;
        }
      out << "}}" << (i + 1 < rows.size() ? "," : "") << "\n";
    }
    out << "  ],\n";
  };
  write_rows("round_trip", result.latency_rows, true);
  write_rows("throughput", result.throughput_rows, false);
  write_json_end(out, result.goals, result.notes, result.failed);
}

void write_csv(const run_result& result, const std::string& file) {
  std::ofstream out(file);
  if (!out) throw std::runtime_error("cannot write " + file);
  out << "kind,mechanism,family,address,size,count,repeats,p50_us,p99_us,p999_us,max_us,"
         "messages_per_second,gigabytes_per_second,baseline,overhead,status,goal\n";
  auto write_rows = [&](const char* kind, const std::vector<row>& rows, bool latency) {
    for (const auto& r : rows) {
      std::string baseline, overhead;
      for (const auto& name : r.baselines)
        if (const auto* b = find_row(rows, name, r.size); b && baseline.empty() && measured(r)) {
          baseline = name;
          overhead =
              fmt::format("{:.4f}", latency ? latency_overhead(r, *b) : throughput_overhead(r, *b));
        }
      const bool ok = measured(r);
      out << fmt::format("{},{},{},{},{},{},{},", kind, csv_field(r.label), family_name(r.kind),
                         csv_field(r.address), r.size, r.count, r.repeats);
      if (ok && latency)
        out << fmt::format("{:.3f},{:.3f},{:.3f},{:.3f},,,", r.rtt.p50, r.rtt.p99, r.rtt.p999,
                           r.rtt.max);
      else if (ok)
        out << fmt::format(",,,,{:.1f},{:.6f},", r.messages_per_second, r.gigabytes_per_second);
      else
        out << ",,,,,,";
      out << fmt::format("{},{},{},\n", csv_field(baseline), overhead,
                         ok ? "ok" : csv_field((r.skipped ? "skipped: " : "error: ") + r.error));
    }
  };
  write_rows("round_trip", result.latency_rows, true);
  write_rows("throughput", result.throughput_rows, false);
  // A goal: its figure in the p50, messages/s or GB/s column, the ratio in
  // overhead (a streaming goal's ratio is the fraction of the floor's), the
  // verdict in status.
  for (const auto& g : result.goals) {
    const bool figures = g.base > 0;
    out << fmt::format("goal,{},strait,,{},,,", csv_field(g.subject), g.size);
    if (figures && g.measure == "messages_per_second")
      out << fmt::format(",,,,{:.1f},,", g.value);
    else if (figures && g.bandwidth)
      out << fmt::format(",,,,,{:.6f},", g.value);
    else if (figures)
      out << fmt::format("{:.3f},,,,,,", g.value);
    else
      out << ",,,,,,";
    out << fmt::format("{},{},{},{}\n", csv_field(g.baseline),
                       figures ? fmt::format("{:.4f}", g.ratio) : "",
                       csv_field(outcome_text(g.result)), csv_field(g.text));
  }
}

std::string write_plots(const run_result& result, const std::string& directory) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::absolute(directory);
  fs::create_directories(dir);
  auto open = [&](const std::string& name) {
    std::ofstream f(dir / name);
    if (!f) throw std::runtime_error("cannot write " + (dir / name).string());
    return f;
  };

  // latency.dat: one line per mechanism, p50 for each size (NaN: none).
  std::vector<std::size_t> latency_sizes;
  std::vector<std::string> labels;
  for (const auto& r : result.latency_rows) {
    if (std::find(latency_sizes.begin(), latency_sizes.end(), r.size) == latency_sizes.end())
      latency_sizes.push_back(r.size);
    if (std::find(labels.begin(), labels.end(), r.label) == labels.end()) labels.push_back(r.label);
  }
  {
    auto f = open("latency.dat");
    for (const auto& label : labels) {
      f << json_string(label);
      for (const auto size : latency_sizes) {
        const auto* r = find_row(result.latency_rows, label, size);
        f << ' ' << (r ? fmt::format("{:.3f}", r->rtt.p50) : "NaN");
      }
      f << '\n';
    }
  }
  // throughput-SIZE.dat: mechanism, figure, colour by family.
  std::vector<std::size_t> throughput_sizes;
  for (const auto& r : result.throughput_rows)
    if (std::find(throughput_sizes.begin(), throughput_sizes.end(), r.size) ==
        throughput_sizes.end())
      throughput_sizes.push_back(r.size);
  auto size_tag = [](std::size_t size) {
    auto t = size_text(size);
    t.erase(std::remove(t.begin(), t.end(), ' '), t.end());
    return t;
  };
  for (const auto size : throughput_sizes) {
    auto f = open("throughput-" + size_tag(size) + ".dat");
    for (const auto& r : result.throughput_rows)
      if (r.size == size && measured(r))
        f << fmt::format("{} {:.6g} {}\n", json_string(r.label),
                         size < 1024 ? r.messages_per_second / 1e6 : r.gigabytes_per_second,
                         static_cast<int>(r.kind) + 1);
  }

  // One script draws every chart twice: SVG, then PNG.
  const auto script = dir / "strait-bench.gp";
  {
    auto f = open("strait-bench.gp");
    f << "# strait-bench charts: gnuplot strait-bench.gp (written by strait-bench --plot)\n";
    f << "cd '" << dir.generic_string() << "'\n";
    f << "set style fill solid 0.85 border -1\nset grid ytics\nset xtics rotate by -40 left\n"
         "set bmargin 9\nset key top left\n";
    const std::string title_tail = fmt::format("({}; {})", result.host.cpu, result.host.os);
    for (const auto& [terminal, ext] :
         {std::pair{"svg size 1000,560 dynamic font 'sans,11'", "svg"},
          std::pair{"pngcairo size 1000,560 font 'sans,10'", "png"}}) {
      f << "set terminal " << terminal << "\nset termoption noenhanced\n";
      f << "set output 'latency." << ext << "'\n";
      f << "set title \"Round-trip latency p50 by mechanism\\n" << title_tail << "\"\n";
      f << "set style data histograms\nset style histogram clustered gap 1\n"
           "set logscale y\nset ylabel 'p50 round trip (µs, log scale)'\nset yrange [*:*]\n";
      f << "plot ";
      for (std::size_t i = 0; i < latency_sizes.size(); ++i)
        f << (i ? ", '' " : "'latency.dat' ") << "using " << i + 2 << (i ? "" : ":xtic(1)")
          << " title '" << size_text(latency_sizes[i]) << "'";
      f << "\nunset logscale y\n";
      for (const auto size : throughput_sizes) {
        f << "set output 'throughput-" << size_tag(size) << "." << ext << "'\n";
        f << "set title \"One-way throughput, " << size_text(size) << " messages\\n"
          << title_tail << "\"\n";
        f << "set ylabel '" << (size < 1024 ? "million messages/s" : "GB/s")
          << ", log scale (raw: purple, strait: green, peers: blue)'\n";
        f << "set logscale y\nset yrange [*:*]\nset boxwidth 0.7\n";
        f << "plot 'throughput-" << size_tag(size)
          << ".dat' using 0:2:3:xtic(1) with boxes lc variable notitle\n";
        f << "unset logscale y\n";
      }
    }
    f << "set output\n";
  }
  if (find_on_path("gnuplot").empty())
    return fmt::format(
        "--plot: gnuplot is not installed; data and script are in {}; "
        "run gnuplot {}",
        dir.string(), script.string());
  const auto command = fmt::format("gnuplot \"{}\"", script.string());
  if (std::system(command.c_str()) != 0)
    return fmt::format("--plot: gnuplot failed; data and script are in {}", dir.string());
  return fmt::format("--plot: charts (SVG and PNG) written to {}", dir.string());
}

}  // namespace strait::bench
