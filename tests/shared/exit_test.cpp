// A process that used shm:// exits, whatever its service thread was doing
// (docs/shared-memory.md, "Threads"): strait_exit_child, run many times, each
// exit a little later relative to the thread's start. A shared strait on
// Windows once waited forever here, now and then: its exit handler joined a
// thread that ExitProcess had already ended inside a lock.
#include <chrono>
#include <string>

#include "catch.hpp"
#include "child_process.hpp"

namespace test = strait::test;

TEST_CASE("exit_while_shm_service_thread_runs") {
  constexpr int runs = 200;
  constexpr long spin_step = 2000;  // spin iterations: spreads the exits over the thread's start
  for (int i = 0; i < runs; ++i) {
    INFO("run " << i);
    auto child = test::start_beside("strait_exit_child", std::to_string(i * spin_step), {});
    // The bound only keeps a hung child from stalling the suite.
    CHECK(test::exit_code_within(child, std::chrono::seconds(60)) == 0);
  }
}
