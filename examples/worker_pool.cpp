// worker_pool — a parent starts N workers (this program again, with
// --worker) with strait::spawn, farms jobs out over their channels, keeps
// one job in flight per worker, gathers the results and waits for the
// workers' exit codes.
//
//   worker_pool [N]      the parent: counts the primes below 2,000,000 in
//                        jobs of 50,000 numbers, N workers (default 4)
//   worker_pool --worker (internal) a worker: answers jobs until the channel closes
//
// A job is "FIRST END" (the numbers FIRST <= n < END); its result is
// "FIRST COUNT". The parent checks the total against a count of its own.
#include <cstdint>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <strait/strait.hpp>

using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t limit = 2'000'000;
constexpr std::uint64_t job_size = 50'000;

bool is_prime(std::uint64_t n) {
  if (n < 2) return false;
  for (std::uint64_t d = 2; d * d <= n; ++d)
    if (n % d == 0) return false;
  return true;
}

std::uint64_t count_primes(std::uint64_t first, std::uint64_t end) {
  std::uint64_t count = 0;
  for (std::uint64_t n = first; n < end; ++n) count += is_prime(n) ? 1 : 0;
  return count;
}

std::string text(const std::vector<std::byte>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// ---- a worker ----------------------------------------------------------

int work() {
  asio::io_context io;
  strait::channel parent = strait::parent_channel(io);  // the end strait::spawn made
  for (;;) {
    std::error_code ec;
    const auto job = parent.receive(ec);
    if (ec == strait::errc::broken_pipe) return 0;  // the parent closed: no more jobs
    if (ec) throw std::system_error(ec, "receive a job");
    std::uint64_t first = 0, end = 0;
    std::istringstream(text(job)) >> first >> end;
    parent.send(strait::buffer(fmt::format("{} {}", first, count_primes(first, end))));
  }
}

// ---- the parent ----------------------------------------------------------

struct pool {
  asio::io_context io;
  std::vector<strait::child> workers;
  std::uint64_t next_job = 0;  // the first number of the next job to hand out
  std::map<std::uint64_t, std::uint64_t> results;  // first number -> count

  // Gives worker `w` its next job, or closes its channel when none is left
  // (the worker sees broken_pipe and exits 0).
  void feed(strait::child& w) {
    if (next_job >= limit) return w.channel().close();
    const auto first = next_job;
    next_job = std::min(next_job + job_size, limit);
    w.channel().send(strait::buffer(fmt::format("{} {}", first, next_job)));
    w.channel().async_receive([this, &w](std::error_code ec, std::vector<std::byte> result) {
      if (ec) throw std::system_error(ec, fmt::format("worker {}", w.pid()));
      std::uint64_t job = 0, count = 0;
      std::istringstream(text(result)) >> job >> count;
      results[job] = count;
      feed(w);
    });
  }
};

int farm_out(const char* program, int worker_count) {
  pool p;
  for (int i = 0; i < worker_count; ++i) {
    p.workers.push_back(strait::spawn(p.io, program, {"--worker"}));
    p.workers.back().channel().set_send_timeout(10s);
  }
  for (auto& w : p.workers) p.feed(w);
  p.io.run();  // until every result is in and every channel closed

  std::uint64_t total = 0;
  for (const auto& [first, count] : p.results) total += count;
  int failures = 0;
  for (auto& w : p.workers) {
    const auto code = w.wait_for(30s);
    fmt::print("worker {} exited with {}\n", w.pid(), code ? std::to_string(*code) : "nothing");
    if (code != 0) ++failures;
  }
  const auto expected = count_primes(0, limit);
  fmt::print("{} jobs over {} workers: {} primes below {} ({})\n", p.results.size(),
             worker_count, total, limit, total == expected ? "checked" : "WRONG");
  return failures == 0 && total == expected ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 2 && argv[1] == std::string_view("--worker")) return work();
    if (argc <= 2) return farm_out(argv[0], argc == 2 ? std::stoi(argv[1]) : 4);
    std::fprintf(stderr, "usage: worker_pool [N]\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "worker_pool: %s\n", e.what());
    return 1;
  }
}
