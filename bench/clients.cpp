// --clients: N client processes against one server process (clients.hpp).
//
// Every client connects, warms up, then waits for a start time the runner
// gave all of them, so that their measuring windows overlap; each then does
// 64 B round trips until the common end time, timing each one, and writes
// its samples to a file. The server counts what it echoed and its own CPU
// time. Rows: the raw event-loop floors (clients_<platform>.cpp); strait with
// the server a user writes first (one io_context, async_accept, and per client
// async_receive then async_send); strait with a thread per client.
#include "clients.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include <strait/strait.hpp>

#include "child_process.hpp"
#include "line_chart.hpp"
#include "mechanism.hpp"
#include "stats.hpp"
#include "strait_link.hpp"

namespace strait::bench {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

constexpr std::size_t goal_clients = 16;

// ---- one row of the sweep ---------------------------------------------------

struct sweep_row {
  std::string label;
  std::string server;  // a raw floor's label, clients_async_server or clients_threads_server
  std::string client;  // a raw mechanism's name, or "strait"
  std::string scheme;  // strait rows
  std::optional<shm_waiting> shm{};
};

std::vector<sweep_row> choose_rows(const clients_settings& settings,
                                   std::vector<std::string>& notes) {
  std::vector<sweep_row> rows;
  for (const auto& f : raw_echo_floors()) rows.push_back({f.label, f.label, f.client_mechanism, ""});
  std::vector<sweep_row> threaded;
  for (const auto scheme : strait::supported_schemes()) {
    const auto name = fmt::format("strait {}", scheme);
    if (scheme == "mailslot") {
      notes.push_back(name + ": not measured: a one-way transport (each client would need its "
                             "own reply mailslot; not written yet)");
      continue;
    }
    if (scheme == "shm") {
      // Both policies: with more clients than cores a spinning waiter takes
      // the CPU the server needs, so block is the one judged then (goals).
      for (const auto w : {wait_strategy::adaptive, wait_strategy::block})
        rows.push_back({fmt::format("{} {}", name, wait_name(w)), std::string(clients_async_server),
                        "strait", std::string(scheme),
                        shm_waiting{w, settings.shm_spin_time}});
      continue;
    }
    rows.push_back({name, std::string(clients_async_server), "strait", std::string(scheme)});
    threaded.push_back(
        {name + " threads", std::string(clients_threads_server), "strait", std::string(scheme)});
  }
  rows.insert(rows.end(), threaded.begin(), threaded.end());
  if (!settings.only.empty())
    std::erase_if(rows, [&](const sweep_row& r) {
      return std::none_of(settings.only.begin(), settings.only.end(), [&](const auto& word) {
        return r.label.find(word) != std::string::npos;
      });
    });
  return rows;
}

std::vector<std::string> shm_arguments(const sweep_row& r) {
  return r.shm ? shm_waiting_arguments(*r.shm) : std::vector<std::string>{};
}

// ---- the runner ---------------------------------------------------------------

struct point {
  std::size_t clients = 0;
  double round_trips_per_second = 0;
  latency rtt;
  double server_cpu_us = -1;  // per round trip; negative: not measured
  std::size_t late = 0;       // clients not ready at the start time
  std::string error;
};

std::string temp_file(const std::string& stem, const std::string& tail) {
  return stem + "-" + tail;
}

point measure(const sweep_row& row, std::size_t clients, const clients_settings& settings) {
  point p;
  p.clients = clients;
  const auto address = row.client == "strait"
                           ? default_strait_url(row.scheme)
                           : find_mechanism(row.client)->make_address();
  const auto stem = temp_directory() + "/" + fresh_name();
  const auto self = strait::test::self_executable_path();
  std::vector<std::string> server_args{"--clients-server", row.server, address,
                                       std::to_string(clients), temp_file(stem, "server")};
  for (auto& a : shm_arguments(row)) server_args.push_back(a);
  std::vector<std::string> files;
  try {
    strait::test::child_process server(self, server_args);
    // Time for every client to start and warm up before the common start.
    const auto start = std::chrono::system_clock::now() + 500ms + 40ms * static_cast<long>(clients);
    const auto start_ns =
        std::chrono::duration_cast<nanoseconds>(start.time_since_epoch()).count();
    std::vector<strait::test::child_process> children;
    for (std::size_t i = 0; i < clients; ++i) {
      files.push_back(temp_file(stem, fmt::format("client{}", i)));
      std::vector<std::string> args{"--clients-client",           row.client,   address,
                                    std::to_string(start_ns),     fmt::format("{}", settings.window_seconds),
                                    files.back()};
      for (auto& a : shm_arguments(row)) args.push_back(a);
      children.emplace_back(self, args);
    }
    const auto patience = std::chrono::duration_cast<std::chrono::milliseconds>(
        start - std::chrono::system_clock::now() + 60s +
        std::chrono::duration<double>(settings.window_seconds));
    for (auto& c : children) {
      const auto code = c.wait(patience);
      if (!code) c.kill();
      if (code != 0 && p.error.empty())
        p.error = code ? fmt::format("a client exited with {}", *code) : "a client hung";
    }
    const auto code = server.wait(30s);
    if (code != 0 && p.error.empty())
      p.error = code ? fmt::format("the server exited with {}", *code) : "the server hung";
  } catch (const std::exception& e) {
    p.error = e.what();
  }
  std::vector<std::int64_t> all;
  // Each file is closed before it is removed (Windows will not remove an open file).
  std::error_code ignored;
  for (const auto& file : files) {
    std::ifstream f(file, std::ios::binary);
    client_header h;
    if (f.read(reinterpret_cast<char*>(&h), sizeof h)) {
      std::vector<std::int64_t> samples(h.count);
      f.read(reinterpret_cast<char*>(samples.data()),
             static_cast<std::streamsize>(samples.size() * sizeof(std::int64_t)));
      if (h.window_ns > 0)
        p.round_trips_per_second += static_cast<double>(h.count) * 1e9 / static_cast<double>(h.window_ns);
      p.late += h.late;
      all.insert(all.end(), samples.begin(), samples.end());
    }
    f.close();
    std::filesystem::remove(file, ignored);
  }
  {
    std::ifstream f(temp_file(stem, "server"));
    double echoes = 0, cpu = -1;
    if (f >> echoes >> cpu && echoes > 0 && cpu >= 0) p.server_cpu_us = cpu * 1e6 / echoes;
  }
  std::filesystem::remove(temp_file(stem, "server"), ignored);
  if (!all.empty()) {
    std::vector<nanoseconds> samples(all.size());
    std::transform(all.begin(), all.end(), samples.begin(), [](auto v) { return nanoseconds(v); });
    p.rtt = summarize(std::move(samples));
  }
  return p;
}

struct measured_row {
  sweep_row row;
  std::vector<point> points;
};

const point* find_point(const std::vector<measured_row>& rows, const std::string& label,
                        std::size_t clients) {
  for (const auto& r : rows)
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

void print_table(const std::vector<measured_row>& rows) {
  std::size_t w = 10;
  for (const auto& r : rows) w = std::max(w, r.row.label.size());
  fmt::print("{:>7}  {:<{}} {:>13} {:>9} {:>9} {:>12} {:>9}\n", "clients", "server", w,
             "round trips/s", "p50 µs", "p99 µs", "server CPU", "vs floor");
  fmt::print("{:>7}  {:<{}} {:>13} {:>9} {:>9} {:>12} {:>9}\n", "", "", w, "(aggregate)", "", "",
             "µs per rt", "(rt/s)");
  std::vector<std::size_t> counts;
  for (const auto& r : rows)
    for (const auto& p : r.points)
      if (std::find(counts.begin(), counts.end(), p.clients) == counts.end())
        counts.push_back(p.clients);
  for (const auto n : counts) {
    for (const auto& r : rows)
      for (const auto& p : r.points) {
        if (p.clients != n) continue;
        if (!p.error.empty()) {
          fmt::print("{:>7}  {:<{}} FAILED: {}\n", n, r.row.label, w, p.error);
          continue;
        }
        std::string vs = "";
        const auto floor = floor_of(r.row.label);
        if (const auto* f = floor.empty() ? nullptr : find_point(rows, floor, n))
          vs = fmt::format("{:.2f}x", p.round_trips_per_second / f->round_trips_per_second);
        fmt::print("{:>7}  {:<{}} {:>13.0f} {:>9.2f} {:>9.2f} {:>12} {:>9}{}\n", n, r.row.label, w,
                   p.round_trips_per_second, p.rtt.p50, p.rtt.p99,
                   p.server_cpu_us >= 0 ? fmt::format("{:.2f}", p.server_cpu_us) : "-", vs,
                   p.late ? fmt::format("  ({} clients late to start)", p.late) : "");
      }
    fmt::print("\n");
  }
}

void print_goal(const char* outcome, const std::string& text, const std::string& figures) {
  fmt::print("  {:<16} {}\n", fmt::format("[{}]", outcome), text);
  if (!figures.empty()) fmt::print("  {:<16} {}\n", "", figures);
}

void print_goals(const std::vector<measured_row>& rows, const std::vector<std::size_t>& counts) {
  const auto n = goal_clients;
  const bool measured_n = std::find(counts.begin(), counts.end(), n) != counts.end();
  fmt::print(
      "Goals (issue 13, clients): judged at {} clients on aggregate round trips/s.\n"
      "A benchmark reports: a goal not met is printed, it does not fail the run.\n",
      n);
  std::vector<const point*> kernel;
  for (const auto scheme : strait::supported_schemes()) {
    if (scheme == "shm") continue;
    const auto label = fmt::format("strait {}", scheme);
    const auto text = fmt::format("{} with {} clients: >= 0.8x the raw event-loop server", label, n);
    const auto floor = floor_of(label);
    const auto* p = find_point(rows, label, n);
    const auto* f = floor.empty() ? nullptr : find_point(rows, floor, n);
    if (p) kernel.push_back(p);
    if (scheme == "mailslot" || !measured_n || !p || !f) {
      print_goal("not measured", text,
                 scheme == "mailslot" ? "a one-way transport: not in the clients sweep yet"
                 : !measured_n        ? fmt::format("--clients did not include {}", n)
                 : floor.empty()   ? "no raw floor for it on this platform"
                 : !p              ? "row not measured (see notes)"
                                   : floor + " not measured");
      continue;
    }
    const double ratio = p->round_trips_per_second / f->round_trips_per_second;
    print_goal(ratio >= 0.8 ? "met" : "not met", text,
               fmt::format("{:.0f} vs {} {:.0f} round trips/s: {:.2f}x", p->round_trips_per_second,
                           floor, f->round_trips_per_second, ratio));
  }
  print_goal("not measured", "strait kernel transports with 16 clients: >= ZeroMQ's and NNG's",
             "the clients sweep has no ZeroMQ or NNG rows yet");
  // shm://: with more clients than cores a spinning waiter takes the CPU the
  // server needs, so the goal is judged on block then, on adaptive otherwise.
  const bool oversubscribed = n > std::thread::hardware_concurrency();
  const auto shm_label = fmt::format("strait shm {}", oversubscribed ? "block" : "adaptive");
  const auto shm_text = fmt::format(
      "{} with {} clients: cost per round trip below the best kernel transport's", shm_label, n);
  const auto* s = find_point(rows, shm_label, n);
  const point* best = nullptr;
  std::string best_label;
  for (const auto* k : kernel)
    if (!best || k->round_trips_per_second > best->round_trips_per_second) best = k;
  for (const auto& r : rows)
    if (best && find_point(rows, r.row.label, n) == best) best_label = r.row.label;
  if (!s || !best) {
    print_goal("not measured", shm_text, "the shm row or no kernel transport row at this count");
  } else {
    const double cost = 1e6 / s->round_trips_per_second, best_cost = 1e6 / best->round_trips_per_second;
    print_goal(cost < best_cost ? "met" : "not met", shm_text,
               fmt::format("{:.2f} µs vs {} {:.2f} µs per round trip (wall time / aggregate; "
                           "{} with {} clients on {} CPUs)",
                           cost, best_label, best_cost,
                           oversubscribed ? "block: more clients than CPUs" : "adaptive", n,
                           std::thread::hardware_concurrency()));
  }
  fmt::print("\n");
}

std::string write_chart(const std::vector<measured_row>& rows, const std::string& dir) {
  line_chart chart{"clients",
                   fmt::format("64 B round trips/s, all clients together, by number of clients\\n"
                               "({}; {})",
                               cpu_description(), os_description()),
                   "client processes (log 2)", "round trips/s (log)"};
  for (const auto& r : rows)
    for (const auto& p : r.points)
      if (std::none_of(chart.x_tics.begin(), chart.x_tics.end(),
                       [&](const auto& t) { return t.second == static_cast<double>(p.clients); }))
        chart.x_tics.emplace_back(std::to_string(p.clients), static_cast<double>(p.clients));
  for (const auto& r : rows) {
    chart_series s{r.row.label, {}};
    for (const auto& p : r.points)
      if (p.error.empty() && p.round_trips_per_second > 0)
        s.points.emplace_back(static_cast<double>(p.clients), p.round_trips_per_second);
    chart.series.push_back(std::move(s));
  }
  return write_line_chart(chart, dir);
}

}  // namespace

std::vector<std::size_t> parse_client_counts(const std::string& text) {
  std::vector<std::size_t> out;
  std::size_t from = 0;
  while (from <= text.size()) {
    const auto comma = std::min(text.find(',', from), text.size());
    const auto n = std::stoul(text.substr(from, comma - from));
    if (n < 1 || n > 256) throw std::invalid_argument("--clients wants counts from 1 to 256");
    out.push_back(n);
    from = comma + 1;
  }
  return out;
}


int run_clients_sweep(const std::vector<std::size_t>& counts, const clients_settings& settings) {
  std::vector<std::string> notes;
  const auto rows = choose_rows(settings, notes);
  const auto t0 = std::chrono::steady_clock::now();
  fmt::print("strait-bench clients sweep: {}\n", settings.command);
  fmt::print(
      "64 B round trips; N client processes against one server process; every client measures "
      "the same {:g} s window;\naggregate = the sum of each client's round trips/s; p50/p99 over "
      "every round trip of every client;\nserver CPU = the server process's user + system time "
      "(getrusage; Windows: GetProcessTimes) / the round trips it echoed.\n\n",
      settings.window_seconds);
  std::vector<measured_row> measured;
  const std::size_t total = rows.size() * counts.size();
  std::size_t index = 0;
  bool failed = false;
  for (const auto& row : rows) {
    measured_row m{row, {}};
    for (const auto n : counts) {
      const auto s = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::steady_clock::now() - t0)
                         .count();
      fmt::print(stderr, "[{:>2}/{} {}:{:02}] {}, {} clients\n", ++index, total, s / 60, s % 60,
                 row.label, n);
      m.points.push_back(measure(row, n, settings));
      if (!m.points.back().error.empty()) {
        failed = true;
        fmt::print(stderr, "  {}, {} clients: FAILED: {}\n", row.label, n, m.points.back().error);
      }
    }
    measured.push_back(std::move(m));
  }
  print_table(measured);
  print_goals(measured, counts);
  for (const auto& note : notes) fmt::print("note: {}\n", note);
  if (!settings.plot_dir.empty()) fmt::print("{}\n", write_chart(measured, settings.plot_dir));
  return failed ? 1 : 0;
}

}  // namespace strait::bench
