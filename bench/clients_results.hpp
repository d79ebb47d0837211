// What the clients sweep measured, handed from its runner (clients.cpp) to
// its reports (clients_report.cpp): the table, the goals, --json, --csv and
// the chart.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "clients.hpp"
#include "results.hpp"
#include "stats.hpp"
#include "strait_link.hpp"

namespace strait::bench {

// One server and its clients, measured at every count.
struct sweep_row {
  std::string label;
  // A raw floor's label, clients_async_server, clients_threads_server or a
  // peer library's label.
  std::string server;
  std::string client;  // a raw mechanism's name, "strait", or the peer's label
  std::string scheme;  // strait rows
  std::optional<shm_waiting> shm{};
};

// One row at one client count.
struct sweep_point {
  std::size_t clients = 0;
  double round_trips_per_second = 0;  // aggregate
  latency rtt;                        // over every round trip of every client
  double server_cpu_us = -1;          // per round trip; negative: not measured
  std::size_t late = 0;               // clients not ready at the start time
  std::size_t rounds = 0;             // how many rounds the figures are the median of
  std::string error;
};

struct sweep_series {
  sweep_row row;
  std::vector<sweep_point> points;  // in the order of the counts
};

struct sweep_result {
  std::vector<std::size_t> counts;
  clients_settings settings;
  std::string started;  // UTC, ISO 8601
  double seconds = 0;   // wall time of the whole sweep
  // With --rounds, each figure is the median of that figure over the rounds.
  std::vector<sweep_series> rows;
  std::vector<goal> goals;
  std::vector<std::string> notes;
  bool failed = false;
};

// The issue 13 clients goals at 16 clients, judged on `result` or, with
// several rounds (`result` their merge), on the median of each goal's ratio
// in each round, as the shm:// goals are (goals.hpp).
std::vector<goal> evaluate_clients_goals(const sweep_result& result,
                                         const std::vector<sweep_result>& rounds = {});

void print_clients_table(const sweep_result& result);
void print_clients_goals(const sweep_result& result);
void write_clients_json(const sweep_result& result, const std::string& file);
void write_clients_csv(const sweep_result& result, const std::string& file);
// Round trips/s against the number of clients (--plot); what write_line_chart() says.
std::string write_clients_chart(const sweep_result& result, const std::string& directory);

}  // namespace strait::bench
