// strait::spawn, parent_channel and channel_pair, written against the public
// API only (run by every build); POSIX-only cases are in process_posix_test.cpp.
#include <atomic>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include <asio/read.hpp>
#include <asio/write.hpp>

#include "catch.hpp"
#include "child_platform.hpp"
#include "process_support.hpp"

namespace pt = strait::process_test;
using strait::errc;

TEST_CASE("spawn.channel_carries_messages_both_ways", "[spawn]") {
  asio::io_context io;
  auto c = pt::start_child(io, {"echo"});
  REQUIRE(c.valid());
  CHECK(c.pid() != 0);
  for (std::size_t size : {0u, 1u, 100u, 70000u, 1u << 20}) {
    std::vector<std::byte> message(size);
    for (std::size_t i = 0; i < size; ++i) message[i] = std::byte(static_cast<unsigned char>(i * 7 + size));
    c.channel().send(asio::buffer(message));
    CHECK(c.channel().receive() == message);
  }
  c.channel().close();
  CHECK(pt::exit_code(c) == 0);
}

TEST_CASE("spawn.both_ends_name_each_others_pid", "[spawn]") {
  asio::io_context io;
  auto c = pt::start_child(io, {"identify"});
  CHECK(c.channel().peer().pid == c.pid());
  std::istringstream report(pt::text(c.channel().receive()));
  std::uint64_t child_pid = 0;
  std::string peer_pid, variable;
  int second = -1;
  report >> child_pid >> peer_pid >> variable >> second;
  CHECK(child_pid == c.pid());
  CHECK(peer_pid == std::to_string(strait::test::current_process_id()));
  // Taken once, and not passed on to the child's own children.
  CHECK(variable == "unset");
  CHECK(static_cast<errc>(second) == errc::not_found);
  c.channel().close();
  CHECK(pt::exit_code(c) == 0);
}

TEST_CASE("spawn.exit_codes_are_reported", "[spawn]") {
  asio::io_context io;
  for (int code : {0, 3, 42}) {
    auto c = pt::start_child(io, {"exit", std::to_string(code)});
    CHECK(c.wait() == code);
    CHECK_FALSE(c.running());
    CHECK(c.wait() == code);  // asked again: the same answer
  }
}

TEST_CASE("spawn.wait_for_a_running_child_returns_nothing", "[spawn]") {
  asio::io_context io;
  auto c = pt::start_child(io, {"hang"}, pt::no_channel());
  CHECK_FALSE(c.wait_for(std::chrono::milliseconds(50)).has_value());
  CHECK_FALSE(c.wait_for(std::chrono::milliseconds(0)).has_value());
  CHECK(c.running());
  c.terminate();
  const int code = pt::exit_code(c);
  CHECK(code != 0);
  CHECK_FALSE(c.running());
  c.terminate();  // exited already: no error
}

TEST_CASE("spawn.async_wait_gives_the_exit_code", "[spawn][async]") {
  asio::io_context io;
  auto c = pt::start_child(io, {"exit", "5"}, pt::no_channel());
  std::error_code ec = make_error_code(errc::io_error);
  int code = -1;
  bool done = false;
  c.async_wait([&](std::error_code e, int exit_code) {
    ec = e;
    code = exit_code;
    done = true;
  });
  CHECK_FALSE(done);  // never from inside the call
  io.run_for(pt::exit_timeout);
  REQUIRE(done);
  CHECK_FALSE(ec);
  CHECK(code == 5);

  // On a child already waited for: still completes, from the io_context.
  done = false;
  c.async_wait([&](std::error_code e, int exit_code) {
    ec = e;
    code = exit_code;
    done = true;
  });
  CHECK_FALSE(done);
  io.restart();
  io.run_for(pt::exit_timeout);
  REQUIRE(done);
  CHECK(code == 5);
}

TEST_CASE("spawn.async_wait_and_channel_see_a_terminated_child", "[spawn][async]") {
  asio::io_context io;
  auto c = pt::start_child(io, {"hang"});
  bool exited = false, broken = false;
  int code = -1;
  std::error_code receive_ec;
  c.async_wait([&](std::error_code, int exit_code) {
    code = exit_code;
    exited = true;
  });
  c.channel().async_receive([&](std::error_code e, std::vector<std::byte>) {
    receive_ec = e;
    broken = true;
  });
  c.terminate();
  while ((!exited || !broken) && io.run_one_for(pt::io_timeout) > 0) {
  }
  REQUIRE(exited);
  REQUIRE(broken);
  CHECK(code != 0);
  CHECK(receive_ec == errc::broken_pipe);  // C4
}

TEST_CASE("spawn.child_killed_mid_message_is_broken_pipe", "[spawn][kill]") {
  asio::io_context io;
  auto c = pt::start_child(io, {"send-huge"});
  CHECK(pt::text(c.channel().receive()) == "x");
  std::array<std::byte, 100> head{};
  std::error_code ec;
  c.channel().receive(asio::buffer(head), ec);
  REQUIRE(ec == errc::more_data);  // the child is inside its send of the huge message
  c.terminate();
  CHECK(pt::exit_code(c) != 0);
  std::vector<std::byte> rest(1u << 20);
  for (int i = 0; i < 128; ++i) {
    c.channel().receive(asio::buffer(rest), ec);
    if (ec != errc::more_data) break;
  }
  CHECK(ec == errc::broken_pipe);  // C4: the cut message is not handed out as whole
  c.channel().send(strait::buffer("anyone?"), ec);
  CHECK(ec == errc::broken_pipe);
}

TEST_CASE("spawn.parent_killed_is_broken_pipe_for_its_child", "[spawn][kill]") {
  asio::io_context io;
  // middle starts grandchild with strait::spawn; grandchild's output is
  // middle's, which is ours through a pipe, open until grandchild exits.
  auto middle = pt::start_child(io, {"middle"}, pt::stdout_piped());
  REQUIRE(pt::text(middle.channel().receive()) == "ready");
  middle.terminate();
  CHECK(pt::exit_code(middle) != 0);
  std::string out;
  std::error_code ec;
  asio::read(middle.std_out(), asio::dynamic_buffer(out), ec);
  // asio's code for a pipe closed by its writer (process.hpp).
  CHECK((ec == asio::error::eof || ec == asio::error::broken_pipe));
  std::erase(out, '\r');  // a Windows C runtime ends text lines with \r\n
  CHECK(out == "grandchild: broken_pipe\n");
}

TEST_CASE("spawn.missing_program_is_not_found", "[spawn]") {
  asio::io_context io;
  std::error_code ec;
  const auto missing = (std::filesystem::path(pt::child_program()).parent_path() /
                        strait::test::unique_name("no-such-program"))
                           .string();
  auto c = strait::spawn(io, missing, {}, {}, ec);
  CHECK(ec == errc::not_found);
  CHECK_FALSE(c.valid());
  strait::spawn(io, strait::test::unique_name("no-such-program-in-path"), {}, {}, ec);
  CHECK(ec == errc::not_found);
  strait::spawn(io, "", {}, {}, ec);
  CHECK(ec == errc::not_found);
  // The throwing form says so too.
  try {
    strait::spawn(io, missing);
    FAIL("spawn of a missing program did not throw");
  } catch (const std::system_error& e) {
    CHECK(e.code() == errc::not_found);
  }
}

TEST_CASE("spawn.a_directory_is_access_denied", "[spawn]") {
  asio::io_context io;
  std::error_code ec;
  strait::spawn(io, std::filesystem::path(pt::child_program()).parent_path().string(), {}, {}, ec);
  CHECK(ec == errc::access_denied);
}

TEST_CASE("spawn.environment_and_working_directory", "[spawn]") {
  asio::io_context io;
  const auto dir = std::filesystem::temp_directory_path() / strait::test::unique_name("spawn-cwd");
  std::filesystem::create_directory(dir);
  strait::spawn_options options;
  options.environment = std::vector<std::string>{"STRAIT_SPAWN_TEST=a value with spaces"};
  options.working_directory = dir.string();
  auto c = pt::start_child(io, {"environment", "STRAIT_SPAWN_TEST"}, options);
  const auto report = pt::text(c.channel().receive());
  c.channel().close();
  CHECK(pt::exit_code(c) == 0);
  const auto bar = report.find('|');
  REQUIRE(bar != std::string::npos);
  CHECK(report.substr(0, bar) == "a value with spaces");
  CHECK(std::filesystem::equivalent(report.substr(bar + 1), dir));
  std::filesystem::remove(dir);

  // Unset: the parent's environment, where the variable is not.
  auto inherited = pt::start_child(io, {"environment", "STRAIT_SPAWN_TEST"});
  CHECK(pt::text(inherited.channel().receive()).starts_with("<unset>|"));
  inherited.channel().close();
  CHECK(pt::exit_code(inherited) == 0);
}

TEST_CASE("spawn.missing_working_directory_is_not_found", "[spawn]") {
  asio::io_context io;
  std::error_code ec;
  strait::spawn_options options;
  options.working_directory =
      (std::filesystem::temp_directory_path() / strait::test::unique_name("no-such-dir")).string();
  strait::spawn(io, pt::child_program(), {"exit", "0"}, options, ec);
  CHECK(ec == errc::not_found);
}

TEST_CASE("spawn.discarded_streams_and_no_channel", "[spawn]") {
  asio::io_context io;
  strait::spawn_options options;
  options.with_channel = false;
  options.std_in = options.std_out = options.std_err = strait::stdio::discard;
  auto c = pt::start_child(io, {"exit", "0"}, options);
  CHECK_FALSE(c.channel().is_open());
  CHECK_FALSE(c.std_in().is_open());
  CHECK_FALSE(c.std_out().is_open());
  CHECK(pt::exit_code(c) == 0);
}

TEST_CASE("spawn.concurrent_spawns_inherit_only_their_own_ends", "[spawn]") {
  // Two threads start children at once; each child lists what it holds, and
  // says so over its channel (or what went wrong, and its exit code).
  constexpr int per_thread = 12;
  std::vector<std::string> reports[2];
  auto start_many = [&](int t) {
    asio::io_context io;
    std::vector<strait::child> children;
    for (int i = 0; i < per_thread; ++i) {
      strait::spawn_options options;
      options.std_out = strait::stdio::pipe;  // more descriptors in flight
      children.push_back(pt::start_child(io, {"inherited"}, options));
    }
    for (auto& c : children) {
      std::error_code ec;
      const auto got = c.channel().receive(ec);
      c.channel().close();
      const int code = pt::exit_code(c);
      reports[t].push_back(ec ? "receive: " + ec.message()
                              : code != 0 ? "exit code " + std::to_string(code) : pt::text(got));
    }
  };
  std::thread other(start_many, 1);
  start_many(0);
  other.join();
  for (const auto& list : reports) {
    REQUIRE(list.size() == per_thread);
    for (const auto& report : list) CHECK(report == strait::test::expected_inherited_descriptors());
  }
}

TEST_CASE("channel_pair.connects_two_channels_in_one_process", "[channel_pair]") {
  asio::io_context io;
  auto pair = strait::channel_pair(io);
  auto& a = pair.first;  // named, not bound: lambdas capture them (Clang before 16)
  auto& b = pair.second;
  pt::bound(a);
  pt::bound(b);
  a.send(strait::buffer("to b"));
  b.send(strait::buffer(""));
  b.send(strait::buffer("to a"));
  CHECK(pt::text(b.receive()) == "to b");
  CHECK(a.receive().empty());  // C1: a zero-length message is a message
  CHECK(pt::text(a.receive()) == "to a");
  std::thread other([&b] { b.send(strait::buffer("from a thread")); });
  CHECK(pt::text(a.receive()) == "from a thread");
  other.join();
  b.close();
  std::error_code ec;
  a.receive(ec);
  CHECK(ec == errc::broken_pipe);  // C4
}

TEST_CASE("channel_pair.keeps_its_maximum_message_size", "[channel_pair]") {
  asio::io_context io;
  auto [a, b] = strait::channel_pair(io, 1000);
  CHECK(a.capabilities().max_message_size == 1000);
  std::error_code ec;
  a.send(asio::buffer(std::vector<std::byte>(1001)), ec);
  CHECK(ec == errc::message_too_large);  // C9
  a.send(asio::buffer(std::vector<std::byte>(1000)), ec);
  CHECK_FALSE(ec);
  CHECK(b.receive().size() == 1000);
}

TEST_CASE("parent_channel.not_started_by_spawn_is_not_found", "[spawn]") {
  // This test process has no STRAIT_PARENT_CHANNEL (ctest does not set it).
  asio::io_context io;
  std::error_code ec;
  auto ch = strait::parent_channel(io, ec);
  CHECK(ec == errc::not_found);
  CHECK_FALSE(ch.is_open());
}

TEST_CASE("parent_channel.bogus_values_are_not_found", "[spawn][security]") {
  asio::io_context io;
  for (const std::string value : {"", "abc", "3x", "-1", "99999999999999999999", "0", "1", "2",
                                  "4000", "file", "unconnected"}) {
    INFO("STRAIT_PARENT_CHANNEL=" << value);
    auto c = pt::start_child(io, {"try-parent-channel", value}, pt::no_channel());
    CHECK(static_cast<errc>(pt::exit_code(c)) == errc::not_found);
  }
}
