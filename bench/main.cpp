// strait-bench: every strait transport of this build, each beside the raw OS
// mechanism it is built on and the peer libraries that were found, measured
// by the same harness in the same run (the overhead ratio is the figure that
// matters, DESIGN.md "Performance method"). See docs/benchmarks.md.
//
// Every measurement runs its two ends in two processes: this program starts
// itself as the server (--serve MECHANISM ADDRESS) and is the client.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <strait/strait.hpp>

#include "child_process.hpp"
#include "clients.hpp"
#include "goals.hpp"
#include "mechanism.hpp"
#include "protocol.hpp"
#include "results.hpp"
#include "sizes.hpp"
#include "strait_link.hpp"

namespace sb = strait::bench;
using namespace std::chrono_literals;

namespace {

constexpr const char* usage =
    "usage: strait-bench [--quick] [--iterations N] [--repeats R] [--budget SECONDS]\n"
    "                    [--rounds N] [--pin CLIENT_CPU,SERVER_CPU] [--only WORD]...\n"
    "                    [--shm-spin-time MICROSECONDS] [--think-time MICROSECONDS]\n"
    "                    [--sizes] [--clients N,N...]\n"
    "                    [--json FILE] [--csv FILE] [--plot DIR] [URL...]\n"
    "\n"
    "Measures round-trip latency (64 B, 1 KiB, 4 KiB) and one-way throughput\n"
    "(64 B, 4 KiB, 1 MiB) of every strait transport of this build and of each URL\n"
    "given, beside the raw OS mechanisms and the peer libraries found at build time.\n"
    "  --quick         3 repeats of 0.1 s per measurement (under a minute)\n"
    "  --iterations N  N round trips / messages per repeat instead of a time budget\n"
    "  --repeats R     repeats per measurement; the median is reported (default 5)\n"
    "  --budget S      seconds per repeat when counts come from the time budget (0.8)\n"
    "  --rounds N      measure everything N times over, each row of every mechanism\n"
    "                  in turn with its own server process; figures are medians over\n"
    "                  the rounds, and each shm:// goal is judged on the median of its\n"
    "                  ratio in each round (default 1)\n"
    "  --pin C,S       pin this process to CPU C and the server process to CPU S\n"
    "  --only WORD     only mechanisms whose name contains WORD (repeatable)\n"
    "  --shm-spin-time US\n"
    "                  shm:// adaptive spin budget in µs, set on both ends (default 20,\n"
    "                  strait::default_shm_spin_time; 0 sleeps at once like block)\n"
    "  --think-time US how long the slow peer of the \"peer thinks\" rows waits before it\n"
    "                  answers (default: twice the spin budget, at least 100 µs)\n"
    "  --sizes         the one-way stream at 64 B, 1 KiB, 4 KiB, 64 KiB, 1 MiB and\n"
    "                  16 MiB instead of 64 B, 4 KiB, 1 MiB (sizes over a transport's\n"
    "                  maximum are skipped, with the reason)\n"
    "  --clients N,... instead of the rows above: N client processes against one\n"
    "                  server, 64 B round trips, for each N (e.g. 1,4,16,64);\n"
    "                  aggregate round trips/s, p50, p99 and the server's CPU time\n"
    "                  per round trip (clients.cpp); with --rounds, every figure is\n"
    "                  the median over the rounds and each goal is judged on the\n"
    "                  median of its ratio in each round\n"
    "  --json/--csv F  also write the results to F\n"
    "  --plot DIR      charts (SVG and PNG, with gnuplot) and their data into DIR\n";

struct options {
  sb::run_settings settings;
  std::optional<std::chrono::nanoseconds> think_time;  // unset: from the spin budget
  double warmup_seconds = 0.1;
  std::vector<std::size_t> latency_sizes{64, 1024, 4096};
  std::vector<std::size_t> throughput_sizes{64, 4096, 1 << 20};
  bool size_sweep = false;                  // --sizes
  std::vector<std::size_t> client_counts;  // --clients: the clients sweep instead
  std::vector<std::string> urls, only;
  std::string json_file, csv_file, plot_dir;
};

// One mechanism at one address: one server process, one connection.
struct subject {
  const sb::mechanism* mech = nullptr;
  std::string label, key, address;
  // strait shm:// rows: how both ends wait (on the server's command line too).
  std::optional<sb::shm_waiting> shm{};
  // Also a 64 B round trip with a peer that thinks (goals.hpp).
  bool slow_peer = false;
};

// ---- progress on the terminal ---------------------------------------------

class progress {
 public:
  explicit progress(std::size_t total) : total_(total), tty_(sb::stderr_is_terminal()) {}

  void start(const std::string& label) {
    ++index_;
    label_ = label;
    if (!tty_)
      fmt::print(stderr, "[{:>2}/{} {}] {}\n", index_, total_, elapsed(), label_);
    else
      step("starting");
  }
  void step(const std::string& what) {
    if (tty_)
      fmt::print(stderr, "\r\033[K[{:>2}/{} {}] {}: {}", index_, total_, elapsed(), label_, what);
  }
  void note(const std::string& text) {
    if (tty_) fmt::print(stderr, "\r\033[K");
    fmt::print(stderr, "  {}\n", text);
  }
  void done() {
    if (tty_) fmt::print(stderr, "\r\033[K");
  }

 private:
  std::string elapsed() const {
    const auto s =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start_)
            .count();
    return fmt::format("{}:{:02}", s / 60, s % 60);
  }

  std::size_t total_, index_ = 0;
  bool tty_;
  std::string label_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// ---- choosing counts: warm-up, then the time budget ------------------------

// Runs `run(n)` (seconds for n operations) with n doubling until the warm-up
// time is spent; the last round's rate turns the budget into a count.
template <class Run>
std::size_t warm_up(const options& opt, std::size_t min_count, std::size_t max_count, Run run) {
  std::size_t n = 8;
  double spent = 0, per_operation = 0;
  for (;;) {
    const double t = run(n);
    spent += t;
    per_operation = t / static_cast<double>(n);
    if (spent >= opt.warmup_seconds || n >= max_count) break;
    n *= 2;
  }
  if (opt.settings.fixed_iterations != 0) return opt.settings.fixed_iterations;
  const auto fits = per_operation > 0 ? opt.settings.budget_seconds / per_operation : 1e12;
  return std::clamp(static_cast<std::size_t>(std::min(fits, 1e12)), min_count, max_count);
}

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

void measure_latency(sb::client_session& session, const options& opt, sb::row& r, progress& bar) {
  bar.step(fmt::format("latency {}, warm-up", sb::size_text(r.size)));
  r.count = warm_up(opt, 1000, 1'000'000, [&](std::size_t n) {
    const auto samples = session.round_trips(r.size, n, r.think);
    std::chrono::nanoseconds total{};
    for (const auto s : samples) total += s;
    return seconds(total);
  });
  std::vector<sb::latency> repeats;
  for (std::size_t i = 0; i < opt.settings.repeats; ++i) {
    bar.step(fmt::format("latency {}, {} round trips, repeat {}/{}", sb::size_text(r.size), r.count,
                         i + 1, opt.settings.repeats));
    repeats.push_back(sb::summarize(session.round_trips(r.size, r.count, r.think)));
  }
  r.rtt = sb::median(repeats);
  r.repeats = repeats.size();
}

void measure_throughput(sb::client_session& session, const options& opt, sb::row& r,
                        progress& bar) {
  bar.step(fmt::format("throughput {}, warm-up", sb::size_text(r.size)));
  const std::size_t max_count =
      std::clamp<std::size_t>((std::size_t{8} << 30) / r.size, 64, 20'000'000);
  r.count = warm_up(opt, 32, max_count,
                    [&](std::size_t n) { return seconds(session.stream(r.size, n)); });
  std::vector<double> rates;
  for (std::size_t i = 0; i < opt.settings.repeats; ++i) {
    bar.step(fmt::format("throughput {}, {} messages, repeat {}/{}", sb::size_text(r.size), r.count,
                         i + 1, opt.settings.repeats));
    rates.push_back(static_cast<double>(r.count) / seconds(session.stream(r.size, r.count)));
  }
  r.messages_per_second = sb::median(rates);
  r.gigabytes_per_second = r.messages_per_second * static_cast<double>(r.size) / 1e9;
  r.repeats = rates.size();
}

// The raw rows a row of `key` is compared with, for latency or throughput.
std::vector<std::string> baselines_for(const std::string& key, bool latency) {
  std::vector<std::string> out;
  for (const auto& m : sb::registered_mechanisms())
    for (const auto& b : m.baseline_for)
      if (b.key == key && (latency || b.applies == sb::kinds::both)) out.push_back(m.name);
  return out;
}

std::vector<sb::row> rows_for(const subject& s, const std::vector<std::size_t>& sizes,
                              bool latency) {
  std::vector<sb::row> rows;
  for (const auto size : sizes) {
    sb::row r;
    r.label = s.label;
    r.key = s.key;
    r.address = s.address;
    r.kind = s.mech->kind;
    r.size = size;
    r.baselines = baselines_for(s.key, latency);
    rows.push_back(std::move(r));
  }
  return rows;
}

// The 64 B round trip with a peer that thinks, compared with the same row of
// its baselines.
sb::row slow_peer_row(const subject& s, std::chrono::nanoseconds think) {
  sb::row r;
  r.label = sb::slow_peer_label(s.label, think);
  r.key = sb::slow_peer_label(s.key, think);
  r.address = s.address;
  r.kind = s.mech->kind;
  r.size = 64;
  r.think = think;
  for (const auto& b : baselines_for(s.key, true))
    r.baselines.push_back(sb::slow_peer_label(b, think));
  return r;
}

// The rows one server process of `s` measures.
struct subject_rows {
  std::vector<sb::row> latency, throughput;
};

// Every row of `s`.
subject_rows all_rows(const subject& s, const options& opt) {
  subject_rows rows{rows_for(s, opt.latency_sizes, true), rows_for(s, opt.throughput_sizes, false)};
  if (s.slow_peer) rows.latency.push_back(slow_peer_row(s, opt.settings.think_time));
  return rows;
}

// The slots of a round that measures one row of every subject at a time, so
// that the rows compared with each other are measured seconds apart: the round
// trips by size, then the slow peer, then the streams by size.
std::size_t slot_count(const options& opt) {
  return opt.latency_sizes.size() + 1 + opt.throughput_sizes.size();
}

// The row of `s` in slot i (none: `s` has no slow-peer row).
std::optional<subject_rows> row_at(const subject& s, const options& opt, std::size_t i) {
  auto all = all_rows(s, opt);
  const auto sizes = opt.latency_sizes.size();
  if (i < sizes || (i == sizes && s.slow_peer)) return subject_rows{{all.latency[i]}, {}};
  if (i == sizes) return std::nullopt;
  return subject_rows{{}, {all.throughput[i - sizes - 1]}};
}

// Measures `rows` of one subject with one server process; a failure marks
// its unmeasured rows and the run.
void run_subject(const subject& s, subject_rows measured, const options& opt, progress& bar,
                 sb::run_result& out) {
  auto& latency_rows = measured.latency;
  auto& throughput_rows = measured.throughput;
  bar.start(s.label);
  try {
    std::vector<std::string> args{"--serve", s.mech->name, s.address};
    if (opt.settings.pin.size() == 2) {
      args.push_back("--cpu");
      args.push_back(std::to_string(opt.settings.pin[1]));
    }
    if (s.shm)
      for (auto& a : sb::shm_waiting_arguments(*s.shm)) args.push_back(std::move(a));
    strait::test::child_process server(strait::test::self_executable_path(), args);
    sb::watch_server([&server] {
      if (const auto code = server.wait(0ms))
        throw sb::bench_error(fmt::format("the server process exited with {}", *code));
    });
    auto link = s.shm ? sb::connect_strait(s.address, *s.shm) : s.mech->connect(s.address);
    sb::watch_server({});
    sb::client_session session(*link);
    const auto max = link->max_message_size();
    auto measure_all = [&](std::vector<sb::row>& rows, auto measure) {
      for (auto& r : rows) {
        if (r.size > max) {
          r.skipped = true;
          r.error = fmt::format("over its {} B maximum message size", max);
          out.notes.push_back(fmt::format("{} {}: {}", s.label, sb::size_text(r.size), r.error));
          continue;
        }
        measure(session, opt, r, bar);
      }
    };
    measure_all(latency_rows, measure_latency);
    measure_all(throughput_rows, measure_throughput);
    session.finish();
    link.reset();
    const auto code = server.wait(10s);
    if (code != 0) {  // everything arrived, but the server did not end cleanly
      out.failed = true;
      out.notes.push_back(fmt::format("{}: FAILED: the server process exited with {}", s.label,
                                      code ? std::to_string(*code) : "nothing (killed)"));
    }
  } catch (const std::exception& e) {
    sb::watch_server({});
    out.failed = true;
    out.notes.push_back(fmt::format("{}: FAILED: {}", s.label, e.what()));
    bar.note(fmt::format("{}: FAILED: {}", s.label, e.what()));
    for (auto* rows : {&latency_rows, &throughput_rows})
      for (auto& r : *rows)
        if (r.repeats == 0 && !r.skipped) r.error = e.what();
  }
  bar.done();
  out.latency_rows.insert(out.latency_rows.end(), latency_rows.begin(), latency_rows.end());
  out.throughput_rows.insert(out.throughput_rows.end(), throughput_rows.begin(),
                             throughput_rows.end());
}

bool wanted(const options& opt, const std::string& label) {
  if (opt.only.empty()) return true;
  return std::any_of(opt.only.begin(), opt.only.end(),
                     [&](const auto& word) { return label.find(word) != std::string::npos; });
}

// Raw floors first, then strait (every scheme of the build, then the URLs
// given), then peer libraries; each group in name order. shm:// is measured
// once per wait strategy (each its own row, all compared with the same
// floors); a shm:// URL given on the command line waits the default way.
std::vector<subject> choose_subjects(const options& opt) {
  std::vector<const sb::mechanism*> raw, peers;
  for (const auto& m : sb::registered_mechanisms()) {
    if (m.kind == sb::family::raw) raw.push_back(&m);
    if (m.kind == sb::family::peer) peers.push_back(&m);
  }
  const auto by_name = [](const auto* a, const auto* b) { return a->name < b->name; };
  std::sort(raw.begin(), raw.end(), by_name);
  std::sort(peers.begin(), peers.end(), by_name);

  std::vector<subject> out;
  for (const auto* m : raw) out.push_back({m, m->name, m->name, m->make_address()});
  const auto* strait_mech = sb::find_mechanism(std::string(sb::strait_mechanism_name));
  const auto waiting = [&](strait::wait_strategy w) {
    return sb::shm_waiting{w, opt.settings.shm_spin_time};
  };
  for (const auto scheme : strait::supported_schemes()) {
    const auto key = fmt::format("strait {}", scheme);
    if (scheme != "shm") {
      out.push_back({strait_mech, key, key, sb::default_strait_url(scheme)});
      continue;
    }
    for (const auto w : {strait::wait_strategy::spin, strait::wait_strategy::adaptive,
                         strait::wait_strategy::block})
      out.push_back({strait_mech, sb::strait_shm_label(w), key, sb::default_strait_url(scheme),
                     waiting(w)});
  }
  for (const auto& url : opt.urls) {
    const auto scheme = strait::parse_endpoint(url).scheme;
    const auto key = fmt::format("strait {}", scheme);
    subject s{strait_mech, fmt::format("{} {}", key, url), key, url};
    if (scheme == "shm") s.shm = waiting(strait::wait_strategy::adaptive);
    out.push_back(std::move(s));
  }
  for (const auto* m : peers) out.push_back({m, m->name, m->name, m->make_address()});
  std::erase_if(out, [&](const subject& s) { return !wanted(opt, s.label); });
  for (auto& s : out) s.slow_peer = sb::wants_slow_peer_row(s.label);
  return out;
}

std::string utc_now() {
  const auto t = std::time(nullptr);
  std::tm tm{};
#if defined(_WIN32)
  gmtime_s(&tm, &t);
#else
  gmtime_r(&t, &tm);
#endif
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

sb::machine describe_machine() {
  sb::machine m;
  m.cpu = sb::cpu_description();
  m.cpus = fmt::format("{} logical CPUs", std::thread::hardware_concurrency());
  m.os = sb::os_description();
#if defined(__clang__)
  m.compiler =
      fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__);
#elif defined(__GNUC__)
  m.compiler = fmt::format("g++ {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#elif defined(_MSC_VER)
  m.compiler = fmt::format("MSVC {}", _MSC_VER);
#endif
#if defined(__MINGW32__)
  m.compiler += " (MinGW-w64)";
#endif
#if defined(NDEBUG) && defined(__OPTIMIZE__)
  m.build = "optimised, NDEBUG";
#elif defined(NDEBUG)
  m.build = "NDEBUG";
#else
  m.build = "debug (figures are not representative: use the bench preset)";
#endif
  return m;
}

// The rounds of a run as one: every round measured the same rows in the same
// order; each figure of a row is the median of that figure over the rounds.
// A row that failed in any round is failed.
sb::run_result merge_rounds(const std::vector<sb::run_result>& rounds) {
  sb::run_result out = rounds.front();
  out.notes.clear();
  for (const auto& round : rounds) {
    out.failed = out.failed || round.failed;
    for (const auto& note : round.notes)
      if (std::find(out.notes.begin(), out.notes.end(), note) == out.notes.end())
        out.notes.push_back(note);
  }
  for (auto rows : {&sb::run_result::latency_rows, &sb::run_result::throughput_rows}) {
    for (std::size_t i = 0; i < (out.*rows).size(); ++i) {
      sb::row& merged = (out.*rows)[i];
      std::vector<sb::latency> rtts;
      std::vector<double> rates, counts;
      merged.repeats = 0;
      for (const auto& round : rounds) {
        const sb::row& r = (round.*rows)[i];
        if (!r.error.empty() && merged.error.empty()) merged.error = r.error;
        rtts.push_back(r.rtt);
        rates.push_back(r.messages_per_second);
        counts.push_back(static_cast<double>(r.count));
        merged.repeats += r.repeats;
      }
      merged.rtt = sb::median(rtts);
      merged.messages_per_second = sb::median(rates);
      merged.gigabytes_per_second =
          merged.messages_per_second * static_cast<double>(merged.size) / 1e9;
      merged.count = static_cast<std::size_t>(sb::median(counts));
    }
  }
  return out;
}

int run(options opt) {
  const auto host = describe_machine();
  const auto started = utc_now();
  const auto t0 = std::chrono::steady_clock::now();

  std::vector<std::string> notes;
  if (opt.settings.pin.size() == 2 && !sb::pin_to_cpu(opt.settings.pin[0]))
    notes.push_back("--pin: this platform cannot pin a process to a CPU");
  for (const auto& peer : sb::missing_peers())
    notes.push_back(
        fmt::format("{}: not found when the bench was configured; "
                    "scripts/install-deps --bench installs it",
                    peer));

  const auto subjects = choose_subjects(opt);
  fmt::print(stderr, "strait-bench: {} mechanisms, {}{}\n", subjects.size(),
             opt.settings.fixed_iterations != 0
                 ? fmt::format("{} iterations per repeat", opt.settings.fixed_iterations)
                 : fmt::format("{:.2g} s per repeat", opt.settings.budget_seconds),
             opt.settings.rounds > 1 ? fmt::format(", {} rounds", opt.settings.rounds) : "");
  // One round: a server process per subject. More rounds: a server process
  // per subject and row, one row of every subject after the other.
  const bool by_row = opt.settings.rounds > 1;
  std::vector<sb::run_result> rounds(opt.settings.rounds);
  std::size_t server_runs = subjects.size();
  if (by_row) {
    server_runs = 0;
    for (const auto& s : subjects) server_runs += slot_count(opt) - (s.slow_peer ? 0 : 1);
    server_runs *= rounds.size();
  }
  progress bar(server_runs);
  for (auto& round : rounds) {
    round.settings = opt.settings;
    round.notes = notes;
    if (!by_row) {
      for (const auto& s : subjects) run_subject(s, all_rows(s, opt), opt, bar, round);
      continue;
    }
    for (std::size_t i = 0; i < slot_count(opt); ++i)
      for (const auto& s : subjects)
        if (auto rows = row_at(s, opt, i))
          run_subject(s, std::move(*rows), opt, bar, round);
  }
  sb::run_result result = merge_rounds(rounds);
  result.host = host;
  result.started = started;
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (sb::has_goal_rows(result)) result.goals = sb::evaluate_goals(result, rounds);
  sb::print_tables(result);
  sb::print_goals(result);
  if (!opt.json_file.empty()) sb::write_json(result, opt.json_file);
  if (!opt.csv_file.empty()) sb::write_csv(result, opt.csv_file);
  if (!opt.plot_dir.empty()) fmt::print("{}\n", sb::write_plots(result, opt.plot_dir));
  if (!opt.plot_dir.empty() && opt.size_sweep)
    fmt::print("{}\n", sb::write_size_charts(result, opt.plot_dir));
  return result.failed ? 1 : 0;
}

// `--serve MECHANISM ADDRESS [--cpu N] [--shm-wait W --shm-spin-time US]`:
// the other end, in its own process.
int serve(const std::vector<std::string>& args) {
  if (args.size() < 3 || args.size() % 2 == 0) throw std::invalid_argument("bad --serve");
  std::optional<sb::shm_waiting> shm{};
  for (std::size_t i = 3; i < args.size(); i += 2) {
    sb::shm_waiting w = shm.value_or(sb::shm_waiting{});
    if (args[i] == "--cpu")
      sb::pin_to_cpu(std::stoi(args[i + 1]));
    else if (sb::parse_shm_argument(args[i], args[i + 1], w))
      shm = w;
    else
      throw std::invalid_argument("bad --serve option " + args[i]);
  }
  const auto* mech = sb::find_mechanism(args[1]);
  if (!mech) throw std::invalid_argument("no mechanism named " + args[1]);
  auto link = shm ? sb::serve_strait(args[2], *shm) : mech->serve(args[2]);
  sb::serve_phases(*link);
  return 0;
}

std::vector<int> parse_pin(const std::string& text) {
  const auto comma = text.find(',');
  if (comma == std::string::npos) throw std::invalid_argument("--pin wants CLIENT,SERVER");
  return {std::stoi(text.substr(0, comma)), std::stoi(text.substr(comma + 1))};
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (!args.empty() && args[0] == "--serve") return serve(args);
    if (!args.empty() && sb::is_clients_role(args[0])) return sb::run_clients_role(args);

    options opt;
    const bool quick = std::find(args.begin(), args.end(), "--quick") != args.end();
    opt.settings.mode = quick ? "quick" : "full";
    opt.settings.repeats = quick ? 3 : 5;
    opt.settings.budget_seconds = quick ? 0.1 : 0.8;
    opt.warmup_seconds = quick ? 0.02 : 0.1;
    opt.settings.command = "strait-bench";
    opt.settings.shm_spin_time = strait::default_shm_spin_time;
    for (std::size_t i = 0; i < args.size(); ++i) {
      const auto& a = args[i];
      opt.settings.command += " " + a;
      const bool has_value = i + 1 < args.size();
      auto value = [&] {
        opt.settings.command += " " + args[i + 1];
        return args[++i];
      };
      if (a == "--quick") {
        continue;  // its defaults are set above, so other options override them
      } else if (a == "--iterations" && has_value) {
        opt.settings.fixed_iterations = std::stoul(value());
      } else if (a == "--repeats" && has_value) {
        opt.settings.repeats = std::max<std::size_t>(1, std::stoul(value()));
      } else if (a == "--budget" && has_value) {
        opt.settings.budget_seconds = std::stod(value());
      } else if (a == "--rounds" && has_value) {
        opt.settings.rounds = std::max<std::size_t>(1, std::stoul(value()));
      } else if (a == "--pin" && has_value) {
        opt.settings.pin = parse_pin(value());
      } else if (a == "--only" && has_value) {
        opt.only.push_back(value());
      } else if (a == "--shm-spin-time" && has_value) {
        opt.settings.shm_spin_time = sb::parse_microseconds(value());
      } else if (a == "--think-time" && has_value) {
        opt.think_time = sb::parse_microseconds(value());
      } else if (a == "--sizes") {
        opt.throughput_sizes = sb::size_sweep();
        opt.size_sweep = true;
      } else if (a == "--clients" && has_value) {
        opt.client_counts = sb::parse_client_counts(value());
      } else if (a == "--json" && has_value) {
        opt.json_file = value();
      } else if (a == "--csv" && has_value) {
        opt.csv_file = value();
      } else if (a == "--plot" && has_value) {
        opt.plot_dir = value();
      } else if (a == "-h" || a == "--help") {
        fmt::print("{}", usage);
        return 0;
      } else if (a.find("://") != std::string::npos) {
        strait::parse_endpoint(a);  // a malformed URL is a usage error, before any work
        opt.urls.push_back(a);
      } else {
        fmt::print(stderr, "strait-bench: unknown argument '{}'\n{}", a, usage);
        return 2;
      }
    }
    opt.settings.think_time = opt.think_time.value_or(
        std::max<std::chrono::nanoseconds>(100us, 2 * opt.settings.shm_spin_time));
    if (!opt.client_counts.empty())
      return sb::run_clients_sweep(
          opt.client_counts, {.window_seconds = std::max(0.25, opt.settings.budget_seconds),
                              .rounds = opt.settings.rounds,
                              .only = opt.only,
                              .shm_spin_time = opt.settings.shm_spin_time,
                              .command = opt.settings.command,
                              .plot_dir = opt.plot_dir,
                              .json_file = opt.json_file,
                              .csv_file = opt.csv_file});
    return run(std::move(opt));
  } catch (const std::exception& e) {
    fmt::print(stderr, "strait-bench{}: {}\n", args.empty() ? "" : " " + args[0], e.what());
    return 1;
  }
}
