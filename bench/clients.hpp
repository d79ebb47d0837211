// --clients N,...: how a server scales with clients (issue 13). For each N,
// N client processes each do 64 B round trips against one server process for
// the same time window; the report is the aggregate round trips/s, the p50
// and p99 over every round trip of every client, and the server's CPU time
// per round trip it echoed (the runner: clients.cpp; its table, goals, JSON
// and CSV: clients_report.cpp; the child processes: clients_roles.cpp; the
// raw event-loop floors and the CPU clock are clients_<platform>.cpp; the
// peer libraries' servers are in their peer_*.cpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mechanism.hpp"

namespace strait::bench {

// "1,4,16,64" -> {1, 4, 16, 64}; each 1..256.
std::vector<std::size_t> parse_client_counts(const std::string& text);

struct clients_settings {
  double window_seconds = 0.8;            // how long every client measures
  std::size_t rounds = 1;                 // --rounds: the whole sweep this many times over
  std::vector<std::string> only;          // --only words (empty: every row)
  std::chrono::nanoseconds shm_spin_time{};
  std::string command;                    // the command line, to reproduce the run
  std::string plot_dir;                   // --plot: also the chart
  std::string json_file, csv_file;        // --json, --csv
};

// Measures every row at every count, prints the table and the goals; returns
// the exit status (1 when a row failed, never for a goal not met).
int run_clients_sweep(const std::vector<std::size_t>& counts, const clients_settings& settings);

// The child processes' roles: `--clients-server ...` and `--clients-client
// ...`; true when `role` is one of them.
bool is_clients_role(const std::string& role);
int run_clients_role(const std::vector<std::string>& args);

// ---- between the runner and its child processes (clients_roles.cpp) --------

inline constexpr std::size_t clients_message_size = 64;
// The strait servers of --clients-server (any other name is a raw floor's label).
inline constexpr std::string_view clients_async_server = "strait-async";
inline constexpr std::string_view clients_threads_server = "strait-threads";

// A client's 64 B message starts with its sequence number, then its index
// among the clients (bytes 8 to 15): a one-way transport's server replies by
// the index (clients_roles.cpp).
inline constexpr std::size_t client_index_offset = 8;

// What a client writes for the runner: a header, then one sample per round trip.
struct client_header {
  std::uint64_t window_ns = 0;  // from its first timed round trip to its last
  std::uint64_t late = 0;       // 1: it was not ready at the start time
  std::uint64_t count = 0;
};

// ---- peer libraries (peer_zmq.cpp, peer_nng.cpp) ---------------------------

// A peer library's many-client server, the one its users write, and its
// client; each library's file registers its own, and the build compiles that
// file only when the library was found.
struct clients_peer {
  std::string label;                       // row label and server name: "zmq ipc router"
  std::vector<std::string> compared_with;  // strait rows judged against it: "strait unix"
  std::function<std::string()> make_address;
  // A client: connected, retrying while the server starts; it says goodbye
  // when destroyed, so that the server knows when every client is done.
  std::function<std::unique_ptr<link>(const std::string& address)> connect;
  // Serves `clients` clients until each has said goodbye; returns how many
  // 64 B messages it echoed.
  std::function<std::uint64_t(const std::string& address, std::size_t clients)> serve;
};
bool register_clients_peer(clients_peer peer);
const std::vector<clients_peer>& clients_peers();
const clients_peer* find_clients_peer(const std::string& label);

// ---- platform part (clients_<platform>.cpp) -------------------------------

// A raw floor: a one-thread event-loop echo server (clients_linux.cpp: epoll;
// clients_win32.cpp: an I/O completion port) whose clients are the registered
// raw mechanism `client_mechanism` ("raw unix stream", "raw named pipe").
struct raw_echo_floor {
  std::string label;             // "raw unix stream epoll", "raw named pipe iocp"
  std::string client_mechanism;  // its clients and address format
  std::vector<std::string> floor_for;  // strait rows it is the floor for: "strait unix"
};
// Empty where this platform has none (then the goals say "not measured").
std::vector<raw_echo_floor> raw_echo_floors();

// Serves `clients` clients of floor `label` at `address` in one thread, each
// message echoed as it arrives, until every client has closed; returns how
// many 64 B messages it echoed.
std::uint64_t serve_raw_echo(const std::string& label, const std::string& address,
                             std::size_t clients);

// CPU time (user + system) this process has used so far (getrusage,
// GetProcessTimes); negative where the platform cannot say.
double process_cpu_seconds();

}  // namespace strait::bench
