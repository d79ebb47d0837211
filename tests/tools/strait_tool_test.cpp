// The `strait` command-line tool, driven as a user drives it: in its own
// process, talking to this test process over pipe://.
#include <chrono>
#include <thread>
#include <string>
#include <vector>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"
#include "connect_when_served.hpp"

using namespace std::chrono_literals;
using strait::test::child_process;

namespace {

std::filesystem::path tool() { return strait::test::self_executable_path().parent_path() / STRAIT_TOOL_NAME; }

std::string text(const std::vector<std::byte>& m) {
  return {reinterpret_cast<const char*>(m.data()), m.size()};
}

}  // namespace

TEST_CASE("tool.listen_echoes_and_stops_after_count", "[tool]") {
  const std::string url = "pipe://" + strait::test::unique_name("tool");
  child_process server(tool(), {"listen", url, "--echo", "--count", "2"});
  asio::io_context io;
  strait::channel ch = strait::test::connect_when_served(io, url);
  ch.set_receive_timeout(20s);
  ch.send(strait::buffer("one"));
  CHECK(text(ch.receive()) == "one");
  ch.send(strait::buffer(""));  // an empty message is a message too (C1)
  CHECK(text(ch.receive()).empty());
  CHECK(server.wait(20s) == 0);
}

TEST_CASE("tool.send_reports_a_missing_name_and_bad_usage", "[tool]") {
  const std::string url = "pipe://" + strait::test::unique_name("tool-missing");
  CHECK(child_process(tool(), {"send", url, "x"}).wait(20s) == 1);
  CHECK(child_process(tool(), {"send", "pipe://not a name", "x"}).wait(20s) == 1);
  CHECK(child_process(tool(), {"launch"}).wait(20s) == 2);
  CHECK(child_process(tool(), {"listen", url, "--count", "many"}).wait(20s) == 2);
}

TEST_CASE("tool.send_delivers_each_argument_as_a_message", "[tool]") {
  const std::string name = strait::test::unique_name("tool-send");
  asio::io_context io;
  strait::listener server = strait::listen(io, "pipe://" + name);
  server.set_accept_timeout(20s);
  child_process client(tool(), {"send", "pipe://" + name, "alpha", "beta"});
  strait::channel ch = server.accept();
  ch.set_receive_timeout(20s);
  CHECK(text(ch.receive()) == "alpha");
  CHECK(text(ch.receive()) == "beta");
  CHECK(client.wait(20s) == 0);
  std::error_code ec;
  ch.receive(ec);
  CHECK(ec == strait::errc::broken_pipe);  // C4: the tool closed after sending
}

// --count ends the program with the reader's next receive pending, so the
// io_context is destroyed under it; on Windows that waited forever for the
// receives strait's own threads wait for (core/src/pending_completions.hpp).
TEST_CASE("tool.listen_stops_after_count_with_a_receive_pending", "[tool]") {
  for (const std::string scheme : {"mailslot", "shm", "copydata"}) {
    const std::string url = scheme + "://" + strait::test::unique_name("tool-count");
    INFO(url);
    child_process reader(tool(), {"listen", url, "--count", "1"});
    asio::io_context io;
    strait::channel writer = strait::test::connect_when_served(io, url);
    writer.send(strait::buffer("one"));
    CHECK(reader.wait(20s) == 0);
  }
}
