// strait_exit_child SPIN: starts the shm:// service thread (a connect to a
// name nobody serves), spins SPIN iterations, and returns from main: the
// process exits while that thread is still starting or waiting. Exits 0 when
// the connect failed with not_found, 2 otherwise.
//
// The case of shared.exit_while_shm_service_thread_runs. A shared strait on
// Windows runs its exit handlers at DLL_PROCESS_DETACH, after ExitProcess
// ended every other thread, possibly inside a lock: they must not wait for
// the service thread then (docs/shared-memory.md, "The service thread").
#include <string>
#include <system_error>

#include <asio/io_context.hpp>

#include <strait/channel.hpp>
#include <strait/error.hpp>

#include "child_process.hpp"

int main(int argc, char** argv) {
  const long spin = argc > 1 ? std::stol(argv[1]) : 0;
  asio::io_context io;
  std::error_code ec;
  strait::connect(io, "shm://" + strait::test::unique_name("exit"), ec);
  // Moves the exit across the service thread's start: one point of it per run.
  volatile long spun = 0;  // volatile: the loop is not optimized away
  while (spun < spin) spun = spun + 1;
  return ec == strait::errc::not_found ? 0 : 2;
}
