// The goals of issues 5 and 13, judged on the figures of the run that printed
// them (docs/benchmarks.md, "shm:// and its goals", "Kernel transports"). Round
// trips are 64 B at p50 (p99 and p99.9 ratios shown beside); streaming is
// 1 MiB bandwidth (issue 5) and 64 B and 4 KiB messages per second (issue 13).
#include "goals.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "strait_link.hpp"

namespace strait::bench {
namespace {

constexpr std::size_t round_trip_size = 64;
constexpr std::size_t stream_size = std::size_t{1} << 20;
constexpr std::size_t small_stream_size = 64;
constexpr std::size_t page_stream_size = 4096;

// Issue 13 part 1: each kernel transport's 64 B round trip near its raw floor.
constexpr std::array<std::string_view, 4> kernel_rows = {"strait tcp", "strait unix",
                                                         "strait pipe", "strait mailslot"};
constexpr double kernel_limit = 1.10;

const row* find_measured(const std::vector<row>& rows, const std::string& label,
                         std::size_t size) {
  for (const auto& r : rows)
    if (r.label == label && r.size == size && r.error.empty() && r.repeats > 0) return &r;
  return nullptr;
}

// Why a goal has no figures: the rows it needs that the run did not measure.
std::string missing(const row* subject, const std::string& subject_label, const row* base,
                    const std::string& base_label) {
  std::string out;
  for (const auto& [r, label] : {std::pair{subject, subject_label}, std::pair{base, base_label}})
    if (!r) out += fmt::format("{}{} was not measured", out.empty() ? "" : "; ", label);
  return out;
}

goal make_goal(std::string text, std::string subject, std::string baseline, std::size_t size,
               std::string measure, double limit) {
  goal g;
  g.text = std::move(text);
  g.subject = std::move(subject);
  g.baseline = std::move(baseline);
  g.size = size;
  g.bandwidth = measure == "gigabytes_per_second" || measure == "messages_per_second";
  g.measure = std::move(measure);
  g.limit = limit;
  return g;
}

// The median of the per-round ratios; for an even count the mean of the two
// middle ones, so that neither kind of goal is favoured.
double median_ratio(std::vector<double> ratios) {
  std::sort(ratios.begin(), ratios.end());
  const auto n = ratios.size();
  return n % 2 == 1 ? ratios[n / 2] : (ratios[n / 2 - 1] + ratios[n / 2]) / 2;
}

// A 64 B round trip of `subject` at most `limit` times the p50 of `floor`.
goal round_trip_goal(const run_result& result, std::string text, const std::string& subject,
                     std::string_view floor, double limit) {
  auto g =
      make_goal(std::move(text), subject, std::string(floor), round_trip_size, "p50_us", limit);
  const auto* s = find_measured(result.latency_rows, g.subject, g.size);
  const auto* b = find_measured(result.latency_rows, g.baseline, g.size);
  if (!s || !b) {
    g.detail = missing(s, g.subject, b, g.baseline);
    return g;
  }
  g.value = s->rtt.p50;
  g.base = b->rtt.p50;
  judge(g);
  g.detail = fmt::format("p99 {:.2f}x, p99.9 {:.2f}x", s->rtt.p99 / b->rtt.p99,
                         s->rtt.p999 / b->rtt.p999);
  return g;
}

// A kernel transport's 64 B round trip against the raw floor the row is
// compared with in the table (its first baseline: raw unix stream for unix://
// and POSIX pipe://, raw named pipe for Windows pipe://...).
goal kernel_goal(const run_result& result, std::string_view subject) {
  const auto* s = find_measured(result.latency_rows, std::string(subject), round_trip_size);
  const std::string floor = s && !s->baselines.empty() ? s->baselines.front() : "its raw floor";
  auto g = round_trip_goal(
      result, fmt::format("{} 64 B round trip within {:g}x of {}", subject, kernel_limit, floor),
      std::string(subject), floor, kernel_limit);
  if (s && s->baselines.empty()) g.detail = fmt::format("{} has no raw floor here", subject);
  return g;
}

// The round trip with a peer that thinks past the spin budget: what matters
// is the time beyond the think time (the waiting), compared with the raw futex
// ping-pong's with the same think time.
goal slow_peer_goal(const run_result& result) {
  const auto think = result.settings.think_time;
  const auto us = microseconds(think);
  auto g = make_goal(fmt::format("adaptive 64 B round trip within 1.2x of raw futex when the "
                                 "peer answers after the spin budget (it thinks {:g} µs; time "
                                 "beyond the think time)",
                                 us),
                     slow_peer_label(strait_shm_label(wait_strategy::adaptive), think),
                     slow_peer_label(std::string(futex_floor_label), think), round_trip_size,
                     "p50_us_beyond_think", 1.2);
  if (think <= result.settings.shm_spin_time) {
    g.result = goal::outcome::not_applicable;
    g.detail = "the think time is not longer than the spin budget (--think-time)";
    return g;
  }
  const auto* s = find_measured(result.latency_rows, g.subject, g.size);
  const auto* b = find_measured(result.latency_rows, g.baseline, g.size);
  if (!s || !b) {
    g.detail = missing(s, g.subject, b, g.baseline);
    return g;
  }
  g.value = s->rtt.p50 - us;
  g.base = b->rtt.p50 - us;
  judge(g);
  g.detail = fmt::format("whole round trips {:.2f} µs and {:.2f} µs, {:.2f}x; p99 beyond {:.2f}x",
                         s->rtt.p50, b->rtt.p50, s->rtt.p50 / b->rtt.p50,
                         (s->rtt.p99 - us) / (b->rtt.p99 - us));
  return g;
}

// One-way streaming of `w` at `size` at least `limit` of the raw spinning
// floor's rate: 1 MiB in GB/s (issue 5), smaller messages in messages per
// second (issue 13; the same ratio, in the unit that reads naturally there).
goal streaming_goal(const run_result& result, wait_strategy w, std::size_t size, double limit) {
  const bool per_message = size < stream_size;
  auto g = make_goal(
      per_message
          ? fmt::format("{} {} streaming at least {:g}x the raw spinning floor's messages/s",
                        wait_name(w), size_text(size), limit)
          : fmt::format("{} {} streaming at least {:g}% of the raw spinning floor's bandwidth",
                        wait_name(w), size_text(size), limit * 100),
      strait_shm_label(w), std::string(spin_floor_label), size,
      per_message ? "messages_per_second" : "gigabytes_per_second", limit);
  const auto* s = find_measured(result.throughput_rows, g.subject, g.size);
  const auto* b = find_measured(result.throughput_rows, g.baseline, g.size);
  if (!s || !b) {
    g.detail = missing(s, g.subject, b, g.baseline);
    return g;
  }
  g.value = per_message ? s->messages_per_second : s->gigabytes_per_second;
  g.base = per_message ? b->messages_per_second : b->gigabytes_per_second;
  judge(g);
  return g;
}

}  // namespace

bool goal_met(const goal& g, double ratio) {
  return g.bandwidth ? ratio >= g.limit : ratio <= g.limit;
}

void judge(goal& g) {
  g.ratio = g.base > 0 ? g.value / g.base : 0;
  g.result = g.base > 0 ? (goal_met(g, g.ratio) ? goal::outcome::met : goal::outcome::not_met)
                        : goal::outcome::not_measured;
}

void judge_over_rounds(std::vector<goal>& goals, const std::vector<std::vector<goal>>& rounds) {
  if (rounds.size() < 2) return;
  for (const auto& in_round : rounds)
    for (std::size_t i = 0; i < goals.size(); ++i)
      if (in_round[i].base > 0) goals[i].round_ratios.push_back(in_round[i].ratio);
  for (auto& g : goals) {
    const bool judged = g.result == goal::outcome::met || g.result == goal::outcome::not_met;
    if (!judged || g.round_ratios.empty()) continue;
    g.ratio = median_ratio(g.round_ratios);
    g.result = goal_met(g, g.ratio) ? goal::outcome::met : goal::outcome::not_met;
  }
}

std::string goal_figures(const goal& g) {
  if (g.result == goal::outcome::not_measured || g.result == goal::outcome::not_applicable)
    return g.detail;
  const auto figure = [&](double v) {
    if (g.measure == "messages_per_second") return fmt::format("{:.2f} M msg/s", v / 1e6);
    if (g.measure == "round_trips_per_second") return fmt::format("{:.0f} round trips/s", v);
    return g.bandwidth ? fmt::format("{:.3f} GB/s", v) : fmt::format("{:.2f} µs", v);
  };
  const char* unit = g.bandwidth ? " of it" : "x";
  const auto limit =
      fmt::format("(goal: {} {:g}{})", g.bandwidth ? "at least" : "at most", g.limit,
                  g.bandwidth ? "" : "x");
  std::string text;
  if (g.round_ratios.empty()) {
    text = fmt::format("{} {}, {} {}: {:.2f}{} {}", g.subject, figure(g.value), g.baseline,
                       figure(g.base), g.ratio, unit, limit);
  } else {
    const auto [low, high] = std::minmax_element(g.round_ratios.begin(), g.round_ratios.end());
    const auto met = std::count_if(g.round_ratios.begin(), g.round_ratios.end(),
                                   [&](double r) { return goal_met(g, r); });
    text = fmt::format(
        "{} {}, {} {} (medians over the rounds); ratio in each round: median {:.2f}{} "
        "({:.2f}–{:.2f}), met in {} of {} rounds {}",
        g.subject, figure(g.value), g.baseline, figure(g.base), g.ratio, unit, *low, *high, met,
        g.round_ratios.size(), limit);
  }
  return g.detail.empty() ? text : fmt::format("{}; {}", text, g.detail);
}

std::string strait_shm_label(wait_strategy w) {
  return fmt::format("strait shm {}", wait_name(w));
}

std::string slow_peer_label(const std::string& label, std::chrono::nanoseconds think) {
  return fmt::format("{}, peer thinks {:g} µs", label, microseconds(think));
}

bool wants_slow_peer_row(const std::string& label) {
  return label == futex_floor_label || label == strait_shm_label(wait_strategy::adaptive);
}

const char* outcome_text(goal::outcome o) {
  switch (o) {
    case goal::outcome::met:
      return "met";
    case goal::outcome::not_met:
      return "not met";
    case goal::outcome::not_measured:
      return "not measured";
    case goal::outcome::not_applicable:
      return "not applicable";
  }
  return "?";
}

bool has_goal_rows(const run_result& result) {
  for (const auto* rows : {&result.latency_rows, &result.throughput_rows})
    for (const auto& r : *rows)
      if (r.key == "strait shm" ||
          std::find(kernel_rows.begin(), kernel_rows.end(), r.key) != kernel_rows.end())
        return true;
  return false;
}

std::vector<goal> evaluate_goals(const run_result& result, const std::vector<run_result>& rounds) {
  std::vector<goal> goals;
  goals.push_back(round_trip_goal(result,
                                  "spin 64 B round trip within 1.5x of the raw spinning floor",
                                  strait_shm_label(wait_strategy::spin), spin_floor_label, 1.5));
  auto adaptive = round_trip_goal(
      result,
      "adaptive 64 B round trip within 2x of the raw spinning floor (the peer answers at once, "
      "inside the spin budget)",
      strait_shm_label(wait_strategy::adaptive), spin_floor_label, 2.0);
  if (adaptive.base > 0 && microseconds(result.settings.shm_spin_time) <= adaptive.base) {
    adaptive.result = goal::outcome::not_applicable;
    adaptive.detail = fmt::format(
        "the spin budget ({:g} µs) is shorter than the floor's round trip: no answer comes "
        "inside it",
        microseconds(result.settings.shm_spin_time));
  }
  goals.push_back(std::move(adaptive));
  goals.push_back(slow_peer_goal(result));
  goals.push_back(round_trip_goal(result, "block 64 B round trip within 1.2x of raw futex",
                                  strait_shm_label(wait_strategy::block), futex_floor_label, 1.2));
  for (const auto w : {wait_strategy::spin, wait_strategy::adaptive})
    goals.push_back(streaming_goal(result, w, stream_size, 0.7));
  for (const auto w : {wait_strategy::spin, wait_strategy::adaptive}) {
    goals.push_back(streaming_goal(result, w, small_stream_size, 0.5));
    goals.push_back(streaming_goal(result, w, page_stream_size, 0.7));
  }
  // Fixed in number and order, measured or not: the rounds below pair goals by index.
  for (const auto subject : kernel_rows) goals.push_back(kernel_goal(result, subject));
  std::vector<std::vector<goal>> per_round;
  if (rounds.size() > 1)
    for (const auto& round : rounds) per_round.push_back(evaluate_goals(round));
  judge_over_rounds(goals, per_round);
  return goals;
}

void print_goals(const run_result& result) {
  if (result.goals.empty()) return;
  fmt::print(
      "Goals (issues 5, 13): strait beside the raw floors of this run; shm:// adaptive spin "
      "budget {:g} µs.\n"
      "A benchmark reports: a goal not met is printed, it does not fail the run.\n",
      microseconds(result.settings.shm_spin_time));
  std::size_t left_out = 0;  // goals about rows this run did not measure at all (--only)
  for (const auto& g : result.goals) {
    const auto& rows = g.measure == "p50_us" || g.measure == "p50_us_beyond_think"
                           ? result.latency_rows
                           : result.throughput_rows;
    if (g.result == goal::outcome::not_measured && !find_measured(rows, g.subject, g.size)) {
      ++left_out;
      continue;
    }
    fmt::print("  {:<16} {}\n", fmt::format("[{}]", outcome_text(g.result)), g.text);
    fmt::print("  {:<16} {}\n", "", goal_figures(g));
  }
  if (left_out > 0)
    fmt::print("  {} more not measured: their rows were not in this run (--json lists them)\n",
               left_out);
  fmt::print("\n");
}

}  // namespace strait::bench
