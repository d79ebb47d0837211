// strait_shm_kill_peer ROLE shm://NAME READY_FILE: one end of a shm://
// connection that the test kills (security.shm_nothing_left_after_kill_9).
//
// Roles:
//   server        listens, accepts one connection, keeps it
//   server-close  listens, accepts one connection, closes it
//   client        connects
// Each creates READY_FILE once its end is set up, then waits to be killed.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include <asio/io_context.hpp>
#include <strait/strait.hpp>

namespace {

using namespace std::chrono_literals;

[[noreturn]] void wait_to_be_killed() {
  for (;;) std::this_thread::sleep_for(1s);
}

void ready(const std::string& file) { std::ofstream(file) << "ready\n"; }

}  // namespace

int main(int argc, char** argv) try {
  if (argc != 4) {
    std::fprintf(stderr, "usage: strait_shm_kill_peer ROLE shm://NAME READY_FILE\n");
    return 2;
  }
  const std::string role = argv[1];
  asio::io_context io;
  if (role == "client") {
    strait::connect_options options;
    options.timeout = 20s;
    auto channel = strait::connect(io, argv[2], options);
    ready(argv[3]);
    wait_to_be_killed();
  }
  if (role != "server" && role != "server-close") return 2;
  auto listener = strait::listen(io, argv[2]);
  std::ofstream(std::string(argv[3]) + ".listening") << "listening\n";
  listener.set_accept_timeout(20s);
  auto channel = listener.accept();
  if (role == "server-close") channel.close();
  ready(argv[3]);
  wait_to_be_killed();
} catch (const std::exception& e) {
  std::fprintf(stderr, "strait_shm_kill_peer: %s\n", e.what());
  return 1;
}
