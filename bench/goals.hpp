// The goals of issues 5 and 13 (shm://, the kernel transports), checked
// against a run's figures (goals.cpp).
// A benchmark reports: a missed goal is printed as "not met", it never makes
// the run fail.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <strait/channel.hpp>

#include "results.hpp"

namespace strait::bench {

// The rows the goals compare.
inline constexpr std::string_view spin_floor_label = "raw shm spin";
inline constexpr std::string_view futex_floor_label = "raw shm futex";
// "strait shm spin", "strait shm adaptive", "strait shm block".
std::string strait_shm_label(wait_strategy w);

// The row of a mechanism measured with a peer that thinks before it answers:
// "raw shm futex, peer thinks 100 µs".
std::string slow_peer_label(const std::string& label, std::chrono::nanoseconds think);
// Whether `label` also gets such a row (the futex floor, strait shm adaptive).
bool wants_slow_peer_row(const std::string& label);

// "met", "not met", "not measured", "not applicable".
const char* outcome_text(goal::outcome o);

// Every goal, evaluated on `result` (rows missing from the run: not_measured).
// With several rounds (`result` their merge, each row's figures the medians
// over the rounds), each goal is judged on the median of its ratio in each
// round: a figure and its floor are measured close together in time, which
// matters on a machine whose speed drifts from one moment to the next.
std::vector<goal> evaluate_goals(const run_result& result,
                                 const std::vector<run_result>& rounds = {});

// Whether `ratio` meets `g` (a rate: at least its limit; a time: at most).
bool goal_met(const goal& g, double ratio);
// Sets g.ratio = value / base and the verdict (not measured without a base).
void judge(goal& g);
// With two rounds or more: each goal judged on the median of its ratio in each
// round that measured it (`rounds[r][i]` is goal i judged on round r alone);
// the ratios are kept in round_ratios. The shm:// goals and the clients
// goals (clients_report.cpp) are judged alike.
void judge_over_rounds(std::vector<goal>& goals, const std::vector<std::vector<goal>>& rounds);
// A goal's figures as the goals blocks print them (with rounds: the median
// ratio, its range and in how many rounds it was met).
std::string goal_figures(const goal& g);

// Whether the run measured anything the goals are about (a strait shm or kernel row).
bool has_goal_rows(const run_result& result);

// The goals block printed after the tables (result.goals).
void print_goals(const run_result& result);

}  // namespace strait::bench
