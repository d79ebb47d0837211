// What a run measured, handed from the runner (main.cpp) to the reports
// (report.cpp): the terminal table, --json, --csv and --plot.
#pragma once

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "mechanism.hpp"
#include "stats.hpp"

namespace strait::bench {

// One measured mechanism at one message size.
struct row {
  std::string label;    // "strait pipe", "raw unix stream", "zmq ipc"
  std::string key;      // what baselines name: the label, without a command-line URL
  std::string address;  // URL, path or port it ran on
  family kind = family::raw;
  std::size_t size = 0;
  std::chrono::nanoseconds think{};  // round trips with a slow peer: its think time
  std::size_t count = 0;    // round trips or messages per repeat
  std::size_t repeats = 0;  // how many repeats the median is over
  std::string error;        // empty when measured; else why not (then no figures)
  bool skipped = false;     // not measured by design (size over the maximum), not a failure
  std::vector<std::string> baselines;  // labels of the raw rows this one is compared with

  latency rtt;                     // round-trip rows
  double messages_per_second = 0;  // throughput rows
  double gigabytes_per_second = 0;
};

struct run_settings {
  std::string mode;  // "full", "quick"
  std::size_t repeats = 0;
  std::size_t rounds = 1;            // the whole selection measured this many times over
  double budget_seconds = 0;         // per repeat, when counts are not fixed
  std::size_t fixed_iterations = 0;  // 0: from the time budget
  std::vector<int> pin;              // client CPU, server CPU; empty: not pinned
  std::chrono::nanoseconds shm_spin_time{};  // shm:// adaptive spin budget, both ends
  std::chrono::nanoseconds think_time{};     // the slow peer's think time
  std::string command;               // the command line, to reproduce the run
};

// One goal (issues 5, 13) with the figures it was judged on (goals.cpp).
struct goal {
  enum class outcome { met, not_met, not_measured, not_applicable };
  std::string text;              // what the issue asks, with the limit
  std::string subject, baseline;  // row labels
  std::size_t size = 0;
  // A rate (GB/s, messages/s), at least `limit` of the floor's; else µs, at most `limit`x.
  bool bandwidth = false;
  std::string measure;     // what value and base are: "p50_us", "gigabytes_per_second"...
  double limit = 0;
  double value = 0, base = 0;  // the subject's and the floor's figure
  double ratio = 0;            // value / base; with rounds, the median of round_ratios
  std::vector<double> round_ratios;  // with --rounds: the ratio in each round that measured both
  std::string detail;          // what else to know (p99 ratios, why not measured)
  outcome result = outcome::not_measured;
};

struct machine {
  std::string cpu, cpus, os, compiler, build;
};

struct run_result {
  run_settings settings;
  machine host;
  std::string started;  // UTC, ISO 8601
  double seconds = 0;   // wall time of the whole run
  std::vector<row> latency_rows, throughput_rows;
  std::vector<goal> goals;         // the goals (issues 5, 13), when a row they judge was measured
  std::vector<std::string> notes;  // skipped rows and mechanisms, and why
  bool failed = false;             // a mechanism failed or lost data
};

// "64 B", "4 KiB", "1 MiB".
std::string size_text(std::size_t size);

// Time ratio of `r` against baseline `b` (same size): above 1 is slower.
// Returns 0 when either has no figure.
double latency_overhead(const row& r, const row& b);
double throughput_overhead(const row& r, const row& b);

void print_tables(const run_result& result);
// The end of a --json file: "goals", "notes" and "failed", and the closing
// brace (the clients sweep's JSON ends alike).
void write_json_end(std::ostream& out, const std::vector<goal>& goals,
                    const std::vector<std::string>& notes, bool failed);
// JSON and CSV text: a quoted, escaped string; a number (null when not finite);
// a field quoted when it needs to be.
std::string json_string(const std::string& s);
std::string json_number(double v);
std::string csv_field(const std::string& s);
void write_json(const run_result& result, const std::string& file);
void write_csv(const run_result& result, const std::string& file);
// Data files and a gnuplot script in `directory`; runs gnuplot when it is on
// PATH. Returns a line saying what was written.
std::string write_plots(const run_result& result, const std::string& directory);

}  // namespace strait::bench
