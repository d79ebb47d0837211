// strait_spawn_stress [THREADS [STARTS [PROGRAM ARGS...]]]: starts a child
// through test::child_process STARTS times (default 200) from each of THREADS
// threads (default 1), waits for each, and prints every start that failed,
// with its error, and a summary. Exits 1 when any start failed. The child is
// this program, exiting at once, or PROGRAM ARGS..., which must exit 0 (a
// peer of the suite given a role that does little, e.g.
// `strait_shm_peer.exe invalid-name bad/name`).
//
// A reproducer for rare start failures that a suite run shows once in
// hundreds of starts (issue 17: "Internal error" under Wine); run it by hand
// or through scripts/soak-tests. Not a ctest test: it looks for a rate.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "child_process.hpp"

namespace {

constexpr int child_exit_code = 7;  // not 0: shows the child ran our code

struct tally {
  std::atomic<int> started{0};
  std::atomic<int> failed{0};
  std::mutex print;
};

struct command {
  std::filesystem::path program;
  std::vector<std::string> args;
  int exit_code;
};

void start_many(int thread, int starts, const command& cmd, tally& t) {
  for (int i = 0; i < starts; ++i) {
    std::string failure;
    try {
      strait::test::child_process child(cmd.program, cmd.args);
      const int code = strait::test::exit_code_within(child, std::chrono::seconds(60));
      if (code != cmd.exit_code) failure = "child exited with " + std::to_string(code);
    } catch (const std::system_error& e) {
      failure = std::string(e.what()) + " [error " + std::to_string(e.code().value()) + "]";
    } catch (const std::exception& e) {
      failure = e.what();
    }
    ++t.started;
    if (failure.empty()) continue;
    ++t.failed;
    const std::lock_guard lock(t.print);
    std::printf("thread %d start %d: %s\n", thread, i, failure.c_str());
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "child") return child_exit_code;
  const int threads = argc > 1 ? std::stoi(argv[1]) : 1;
  const int starts = argc > 2 ? std::stoi(argv[2]) : 200;
  const command cmd = argc > 3 ? command{argv[3], {argv + 4, argv + argc}, 0}
                               : command{strait::test::self_executable_path(), {"child"},
                                         child_exit_code};

  tally t;
  const auto begin = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) workers.emplace_back(start_many, i, starts, std::cref(cmd), std::ref(t));
  for (auto& w : workers) w.join();
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  std::printf("spawn_stress: %d threads x %d starts: %d of %d failed (%.1f s)\n", threads,
              starts, t.failed.load(), t.started.load(), seconds);
  return t.failed.load() == 0 ? 0 : 1;
}
