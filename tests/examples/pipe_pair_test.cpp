// examples/pipe_server and examples/pipe_client as a user runs them: two
// processes, the client's exit status saying whether the acknowledgement came.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"

using namespace std::chrono_literals;
using strait::test::child_process;

namespace {

std::filesystem::path example(const char* name) {
  return strait::test::self_executable_path().parent_path() / (name + std::string(STRAIT_EXE_SUFFIX));
}

// Runs pipe_client until the server, started a moment ago, answers.
std::optional<int> client_until_served(const std::string& name, const std::string& text) {
  const auto until = std::chrono::steady_clock::now() + 20s;
  for (;;) {
    const auto status = child_process(example("pipe_client"), {name, text}).wait(20s);
    if (status == 0 || std::chrono::steady_clock::now() > until) return status;
    std::this_thread::sleep_for(50ms);
  }
}

}  // namespace

TEST_CASE("examples.pipe_client_gets_the_servers_acknowledgement", "[examples]") {
  const std::string name = strait::test::unique_name("pipe-example");
  child_process server(example("pipe_server"), {name});
  CHECK(client_until_served(name, "hello from the client") == 0);
  // The server serves one client after another.
  CHECK(child_process(example("pipe_client"), {name, "second"}).wait(20s) == 0);
  server.kill();
}

TEST_CASE("examples.pipe_client_without_a_server_fails_cleanly", "[examples]") {
  const std::string name = strait::test::unique_name("pipe-example-missing");
  CHECK(child_process(example("pipe_client"), {name, "x"}).wait(20s) == 1);
  CHECK(child_process(example("pipe_client"), {}).wait(20s) == 2);
}

TEST_CASE("examples.second_pipe_server_on_a_name_fails", "[examples][C7]") {
  const std::string name = strait::test::unique_name("pipe-example-twice");
  asio::io_context io;
  strait::listener first = strait::listen(io, "pipe://" + name);
  CHECK(child_process(example("pipe_server"), {name}).wait(20s) == 1);
}
