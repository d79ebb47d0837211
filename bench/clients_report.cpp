// The clients sweep's reports (clients_results.hpp): the table, the issue 13
// clients goals at 16 clients, --json, --csv and the chart.
#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include <strait/strait.hpp>

#include "clients_results.hpp"
#include "goals.hpp"
#include "line_chart.hpp"

namespace strait::bench {
namespace {

constexpr std::size_t goal_clients = 16;

const sweep_point* find_point(const sweep_result& result, const std::string& label,
                              std::size_t clients) {
  for (const auto& r : result.rows)
    if (r.row.label == label)
      for (const auto& p : r.points)
        if (p.clients == clients && p.error.empty() && p.round_trips_per_second > 0) return &p;
  return nullptr;
}

// The floor of a strait row: the raw echo server on the same mechanism (a
// thread-per-client row has its transport's floor too).
std::string floor_of(std::string label) {
  constexpr std::string_view threads_suffix = " threads";
  if (label.ends_with(threads_suffix)) label.resize(label.size() - threads_suffix.size());
  for (const auto& f : raw_echo_floors())
    if (std::find(f.floor_for.begin(), f.floor_for.end(), label) != f.floor_for.end())
      return f.label;
  return {};
}

// Round trips/s of `p` against its floor's at the same count; 0 without one.
double vs_floor(const sweep_result& result, const std::string& label, const sweep_point& p) {
  const auto floor = floor_of(label);
  const auto* f = floor.empty() ? nullptr : find_point(result, floor, p.clients);
  return f && p.error.empty() ? p.round_trips_per_second / f->round_trips_per_second : 0;
}

// The strait kernel transports of this build: every scheme but shm://.
std::vector<std::string> kernel_transports() {
  std::vector<std::string> out;
  for (const auto scheme : strait::supported_schemes())
    if (scheme != "shm") out.push_back(fmt::format("strait {}", scheme));
  return out;
}

goal rate_goal(std::string text, const std::string& subject, double limit) {
  goal g;
  g.text = std::move(text);
  g.subject = subject;
  g.size = clients_message_size;
  g.bandwidth = true;  // a rate: at least `limit` of the baseline's
  g.measure = "round_trips_per_second";
  g.limit = limit;
  return g;
}

// The subject and baseline points judged on `result`; the reason when not.
void compare(goal& g, const sweep_result& result, const std::string& reason_without_baseline) {
  const auto* s = find_point(result, g.subject, goal_clients);
  const auto* b = g.baseline.empty() ? nullptr : find_point(result, g.baseline, goal_clients);
  if (!s || !b) {
    g.detail = !s ? g.subject + " was not measured at this count"
               : g.baseline.empty() ? reason_without_baseline
                                    : g.baseline + " was not measured at this count";
    return;
  }
  g.value = s->round_trips_per_second;
  g.base = b->round_trips_per_second;
  judge(g);
}

// Each strait kernel transport's io_context server at >= 0.8x the raw
// event-loop server on the same mechanism.
goal floor_goal(const sweep_result& result, const std::string& label) {
  auto g = rate_goal(
      fmt::format("{} with {} clients: >= 0.8x the raw event-loop server", label, goal_clients),
      label, 0.8);
  g.baseline = floor_of(label);
  compare(g, result, "no raw floor for it on this platform");
  return g;
}

// ... and >= every ZeroMQ and NNG server on the same mechanism (the best of
// them at this count is the baseline).
goal peer_goal(const sweep_result& result, const std::string& label) {
  auto g = rate_goal(
      fmt::format("{} with {} clients: >= ZeroMQ's and NNG's servers", label, goal_clients),
      label, 1.0);
  const sweep_point* best = nullptr;
  for (const auto& peer : clients_peers()) {
    if (std::find(peer.compared_with.begin(), peer.compared_with.end(), label) ==
        peer.compared_with.end())
      continue;
    const auto* p = find_point(result, peer.label, goal_clients);
    if (p && (!best || p->round_trips_per_second > best->round_trips_per_second)) {
      best = p;
      g.baseline = peer.label;
    }
  }
  const auto missing = missing_peers();
  compare(g, result,
          !missing.empty() && clients_peers().empty()
              ? "ZeroMQ and NNG were not found when the bench was configured"
              : "no ZeroMQ or NNG row on its mechanism was measured at this count");
  return g;
}

// shm:// below the best kernel transport's io_context server in wall time per
// round trip. With more clients than cores a spinning waiter takes the CPU
// the server needs, so the goal is judged on block then, on adaptive otherwise.
goal shm_goal(const sweep_result& result) {
  const auto cpus = std::thread::hardware_concurrency();
  const bool oversubscribed = goal_clients > cpus;
  goal g;
  g.subject = fmt::format("strait shm {}", oversubscribed ? "block" : "adaptive");
  g.text = fmt::format("{} with {} clients: cost per round trip below the best kernel transport's",
                       g.subject, goal_clients);
  g.size = clients_message_size;
  g.measure = "us_per_round_trip";  // wall time / aggregate round trips
  g.limit = 1.0;
  const sweep_point* best = nullptr;
  for (const auto& label : kernel_transports())
    if (const auto* p = find_point(result, label, goal_clients);
        p && (!best || p->round_trips_per_second > best->round_trips_per_second)) {
      best = p;
      g.baseline = label;
    }
  const auto* s = find_point(result, g.subject, goal_clients);
  if (!s || !best) {
    g.detail = !s ? g.subject + " was not measured at this count"
                  : "no kernel transport was measured at this count";
    return g;
  }
  g.value = 1e6 / s->round_trips_per_second;
  g.base = 1e6 / best->round_trips_per_second;
  judge(g);
  g.detail = fmt::format("{} with {} clients on {} CPUs",
                         oversubscribed ? "block: more clients than CPUs" : "adaptive",
                         goal_clients, cpus);
  return g;
}

std::vector<goal> goals_of(const sweep_result& result) {
  std::vector<goal> goals;
  const bool counted = std::find(result.counts.begin(), result.counts.end(), goal_clients) !=
                       result.counts.end();
  for (const auto& label : kernel_transports()) goals.push_back(floor_goal(result, label));
  for (const auto& label : kernel_transports()) goals.push_back(peer_goal(result, label));
  goals.push_back(shm_goal(result));
  if (!counted)
    for (auto& g : goals) g.detail = fmt::format("--clients did not include {}", goal_clients);
  return goals;
}

void print_row(const sweep_result& result, const sweep_series& r, const sweep_point& p,
               std::size_t w) {
  if (!p.error.empty()) {
    fmt::print("{:>7}  {:<{}} FAILED: {}\n", p.clients, r.row.label, w, p.error);
    return;
  }
  const double ratio = vs_floor(result, r.row.label, p);
  fmt::print("{:>7}  {:<{}} {:>13.0f} {:>9.2f} {:>9.2f} {:>12} {:>9}{}\n", p.clients,
             r.row.label, w, p.round_trips_per_second, p.rtt.p50, p.rtt.p99,
             p.server_cpu_us >= 0 ? fmt::format("{:.2f}", p.server_cpu_us) : "-",
             ratio > 0 ? fmt::format("{:.2f}x", ratio) : "",
             p.late ? fmt::format("  ({} clients late to start)", p.late) : "");
}

}  // namespace

std::vector<goal> evaluate_clients_goals(const sweep_result& result,
                                         const std::vector<sweep_result>& rounds) {
  auto goals = goals_of(result);
  std::vector<std::vector<goal>> per_round;
  if (rounds.size() > 1)
    for (const auto& round : rounds) per_round.push_back(goals_of(round));
  judge_over_rounds(goals, per_round);
  return goals;
}

void print_clients_table(const sweep_result& result) {
  std::size_t w = 10;
  for (const auto& r : result.rows) w = std::max(w, r.row.label.size());
  fmt::print("{:>7}  {:<{}} {:>13} {:>9} {:>9} {:>12} {:>9}\n", "clients", "server", w,
             "round trips/s", "p50 µs", "p99 µs", "server CPU", "vs floor");
  fmt::print("{:>7}  {:<{}} {:>13} {:>9} {:>9} {:>12} {:>9}\n", "", "", w, "(aggregate)", "", "",
             "µs per rt", "(rt/s)");
  for (std::size_t j = 0; j < result.counts.size(); ++j) {
    for (const auto& r : result.rows)
      if (j < r.points.size()) print_row(result, r, r.points[j], w);
    fmt::print("\n");
  }
}

void print_clients_goals(const sweep_result& result) {
  fmt::print(
      "Goals (issue 13, clients): judged at {} clients on aggregate round trips/s{}.\n"
      "A benchmark reports: a goal not met is printed, it does not fail the run.\n",
      goal_clients,
      result.settings.rounds > 1 ? ", each on the median of its ratio in each round" : "");
  for (const auto& g : result.goals) {
    fmt::print("  {:<16} {}\n", fmt::format("[{}]", outcome_text(g.result)), g.text);
    fmt::print("  {:<16} {}\n", "", goal_figures(g));
  }
  fmt::print("\n");
}

void write_clients_json(const sweep_result& result, const std::string& file) {
  std::ofstream out(file);
  if (!out) throw std::runtime_error("cannot write " + file);
  const auto& s = result.settings;
  out << "{\n  \"tool\": \"strait-bench\",\n  \"sweep\": \"clients\",\n";
  out << "  \"started\": " << json_string(result.started) << ",\n";
  out << "  \"seconds\": " << json_number(result.seconds) << ",\n";
  out << "  \"command\": " << json_string(s.command) << ",\n";
  out << fmt::format(
      "  \"settings\": {{\"clients\": [{}], \"window_seconds\": {}, \"rounds\": {}, "
      "\"message_size\": {}, \"shm_spin_time_us\": {}}},\n",
      fmt::join(result.counts, ", "), json_number(s.window_seconds), s.rounds,
      clients_message_size, json_number(microseconds(s.shm_spin_time)));
  out << fmt::format("  \"machine\": {{\"cpu\": {}, \"cpus\": {}, \"os\": {}}},\n",
                     json_string(cpu_description()), std::thread::hardware_concurrency(),
                     json_string(os_description()));
  out << "  \"rows\": [\n";
  bool first = true;
  for (std::size_t j = 0; j < result.counts.size(); ++j)
    for (const auto& r : result.rows) {
      if (j >= r.points.size()) continue;
      const auto& p = r.points[j];
      out << (first ? "" : ",\n")
          << fmt::format("    {{\"server\": {}, \"clients\": {}, \"rounds\": {}, ",
                         json_string(r.row.label), p.clients, p.rounds);
      first = false;
      if (!p.error.empty()) {
        out << fmt::format("\"error\": {}}}", json_string(p.error));
        continue;
      }
      const double ratio = vs_floor(result, r.row.label, p);
      out << fmt::format(
          "\"round_trips_per_second\": {}, \"p50_us\": {}, \"p99_us\": {}, "
          "\"server_cpu_us_per_round_trip\": {}, \"late\": {}, \"floor\": {}, \"vs_floor\": {}}}",
          json_number(p.round_trips_per_second), json_number(p.rtt.p50), json_number(p.rtt.p99),
          p.server_cpu_us >= 0 ? json_number(p.server_cpu_us) : "null", p.late,
          ratio > 0 ? json_string(floor_of(r.row.label)) : "null",
          ratio > 0 ? json_number(ratio) : "null");
    }
  out << "\n  ],\n";
  write_json_end(out, result.goals, result.notes, result.failed);
}

void write_clients_csv(const sweep_result& result, const std::string& file) {
  std::ofstream out(file);
  if (!out) throw std::runtime_error("cannot write " + file);
  out << "kind,server,clients,rounds,round_trips_per_second,p50_us,p99_us,"
         "server_cpu_us_per_round_trip,late,baseline,ratio,status,goal\n";
  for (std::size_t j = 0; j < result.counts.size(); ++j)
    for (const auto& r : result.rows) {
      if (j >= r.points.size()) continue;
      const auto& p = r.points[j];
      out << fmt::format("clients,{},{},{},", csv_field(r.row.label), p.clients, p.rounds);
      if (!p.error.empty()) {
        out << fmt::format(",,,,,,,{},\n", csv_field("error: " + p.error));
        continue;
      }
      const double ratio = vs_floor(result, r.row.label, p);
      out << fmt::format("{:.1f},{:.3f},{:.3f},{},{},{},{},ok,\n", p.round_trips_per_second,
                         p.rtt.p50, p.rtt.p99,
                         p.server_cpu_us >= 0 ? fmt::format("{:.3f}", p.server_cpu_us) : "",
                         p.late, ratio > 0 ? csv_field(floor_of(r.row.label)) : "",
                         ratio > 0 ? fmt::format("{:.4f}", ratio) : "");
    }
  // A goal: the subject's aggregate round trips/s, its baseline, the ratio
  // (shm://: of the cost per round trip), the verdict in status.
  for (const auto& g : result.goals) {
    const bool figures = g.base > 0;
    const double rate = g.measure == "round_trips_per_second" ? g.value : 1e6 / g.value;
    out << fmt::format("goal,{},{},{},{},,,,,{},{},{},{}\n", csv_field(g.subject), goal_clients,
                       g.round_ratios.empty() ? result.settings.rounds : g.round_ratios.size(),
                       figures ? fmt::format("{:.1f}", rate) : "", csv_field(g.baseline),
                       figures ? fmt::format("{:.4f}", g.ratio) : "",
                       csv_field(outcome_text(g.result)), csv_field(g.text));
  }
}

std::string write_clients_chart(const sweep_result& result, const std::string& directory) {
  line_chart chart{"clients",
                   fmt::format("64 B round trips/s, all clients together, by number of clients\\n"
                               "({}; {})",
                               cpu_description(), os_description()),
                   "client processes (log 2)", "round trips/s (log)"};
  for (const auto n : result.counts)
    chart.x_tics.emplace_back(std::to_string(n), static_cast<double>(n));
  for (const auto& r : result.rows) {
    chart_series s{r.row.label, {}};
    for (const auto& p : r.points)
      if (p.error.empty() && p.round_trips_per_second > 0)
        s.points.emplace_back(static_cast<double>(p.clients), p.round_trips_per_second);
    chart.series.push_back(std::move(s));
  }
  return write_line_chart(chart, directory);
}

}  // namespace strait::bench
