// --clients: N client processes against one server process (clients.hpp).
//
// Every client connects, warms up, then waits for a start time the runner
// gave all of them, so that their measuring windows overlap; each then does
// 64 B round trips until the common end time, timing each one, and writes
// its samples to a file. The server counts what it echoed and its own CPU
// time. Rows: the raw event-loop floors (clients_<platform>.cpp); strait with
// the server a user writes first (one io_context, async_accept, and per client
// async_receive then async_send); strait with a thread per client; the peer
// libraries' own many-client servers (peer_*.cpp). With --rounds the whole
// sweep is measured again, every row at one count after the other each time,
// so that a row and the floor it is judged against are measured close together.
#include "clients.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <strait/strait.hpp>

#include "child_process.hpp"
#include "clients_results.hpp"
#include "mechanism.hpp"
#include "stats.hpp"
#include "strait_link.hpp"

namespace strait::bench {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

// ---- the rows -----------------------------------------------------------------

std::vector<sweep_row> choose_rows(const clients_settings& settings) {
  std::vector<sweep_row> rows;
  for (const auto& f : raw_echo_floors()) rows.push_back({f.label, f.label, f.client_mechanism, ""});
  std::vector<sweep_row> threaded;
  for (const auto scheme : strait::supported_schemes()) {
    const auto name = fmt::format("strait {}", scheme);
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
  for (const auto& peer : clients_peers()) rows.push_back({peer.label, peer.label, peer.label, ""});
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

std::string address_for(const sweep_row& row) {
  if (row.client == "strait") return default_strait_url(row.scheme);
  if (const auto* peer = find_clients_peer(row.client)) return peer->make_address();
  return find_mechanism(row.client)->make_address();
}

// ---- one row at one count -----------------------------------------------------

std::string temp_file(const std::string& stem, const std::string& tail) {
  return stem + "-" + tail;
}

sweep_point measure(const sweep_row& row, std::size_t clients, const clients_settings& settings) {
  sweep_point p;
  p.rounds = 1;
  p.clients = clients;
  const auto address = address_for(row);
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
      std::vector<std::string> args{"--clients-client",
                                    row.client,
                                    address,
                                    std::to_string(start_ns),
                                    fmt::format("{}", settings.window_seconds),
                                    files.back(),
                                    std::to_string(i)};
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

// ---- rounds --------------------------------------------------------------------

// The rounds as one: each figure of a point is the median of that figure over
// the rounds that measured it; an error in any round is the point's error.
sweep_result merge_rounds(const std::vector<sweep_result>& rounds) {
  sweep_result out = rounds.front();
  for (const auto& round : rounds) out.failed = out.failed || round.failed;
  for (std::size_t i = 0; i < out.rows.size(); ++i)
    for (std::size_t j = 0; j < out.rows[i].points.size(); ++j) {
      auto& merged = out.rows[i].points[j];
      std::vector<double> rates, p50, p99, cpu;
      merged.late = 0;
      merged.rounds = 0;
      for (const auto& round : rounds) {
        const auto& p = round.rows[i].points[j];
        if (!p.error.empty()) {
          if (merged.error.empty()) merged.error = p.error;
          continue;
        }
        rates.push_back(p.round_trips_per_second);
        p50.push_back(p.rtt.p50);
        p99.push_back(p.rtt.p99);
        if (p.server_cpu_us >= 0) cpu.push_back(p.server_cpu_us);
        merged.late += p.late;
        ++merged.rounds;
      }
      merged.round_trips_per_second = median(rates);
      merged.rtt.p50 = median(p50);
      merged.rtt.p99 = median(p99);
      merged.server_cpu_us = cpu.empty() ? -1 : median(cpu);
    }
  return out;
}

std::string utc_now() { return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr))); }

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
  const auto rows = choose_rows(settings);
  const auto t0 = std::chrono::steady_clock::now();
  sweep_result blank;
  blank.counts = counts;
  blank.settings = settings;
  blank.started = utc_now();
  for (const auto& row : rows) blank.rows.push_back({row, {}});
  for (const auto& peer : missing_peers())
    blank.notes.push_back(fmt::format(
        "{}: not found when the bench was configured; scripts/install-deps --bench installs it",
        peer));

  fmt::print("strait-bench clients sweep: {}\n", settings.command);
  fmt::print(
      "64 B round trips; N client processes against one server process; every client measures "
      "the same {:g} s window;\naggregate = the sum of each client's round trips/s; p50/p99 over "
      "every round trip of every client;\nserver CPU = the server process's user + system time "
      "(getrusage; Windows: GetProcessTimes) / the round trips it echoed.{}\n\n",
      settings.window_seconds,
      settings.rounds > 1
          ? fmt::format("\n{} rounds, each measuring every row at one count after the other; "
                        "each figure is its median over the rounds",
                        settings.rounds)
          : "");
  std::vector<sweep_result> rounds(settings.rounds, blank);
  const std::size_t total = rows.size() * counts.size() * rounds.size();
  std::size_t index = 0;
  for (std::size_t r = 0; r < rounds.size(); ++r)
    for (const auto n : counts)
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto s =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0)
                .count();
        fmt::print(stderr, "[{:>2}/{} {}:{:02}] {}, {} clients{}\n", ++index, total, s / 60, s % 60,
                   rows[i].label, n,
                   rounds.size() > 1 ? fmt::format(", round {}/{}", r + 1, rounds.size()) : "");
        auto p = measure(rows[i], n, settings);
        if (!p.error.empty()) {
          rounds[r].failed = true;
          fmt::print(stderr, "  {}, {} clients: FAILED: {}\n", rows[i].label, n, p.error);
        }
        rounds[r].rows[i].points.push_back(std::move(p));
      }
  auto result = merge_rounds(rounds);
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  result.goals = evaluate_clients_goals(result, rounds);
  print_clients_table(result);
  print_clients_goals(result);
  for (const auto& note : result.notes) fmt::print("note: {}\n", note);
  if (!settings.json_file.empty()) write_clients_json(result, settings.json_file);
  if (!settings.csv_file.empty()) write_clients_csv(result, settings.csv_file);
  if (!settings.plot_dir.empty())
    fmt::print("{}\n", write_clients_chart(result, settings.plot_dir));
  return result.failed ? 1 : 0;
}

}  // namespace strait::bench
