// `strait ls` and `strait info`, run as a user runs them: the tool in its own
// process, listing listeners that other processes (the tool again) serve.
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"
#include "connect_when_served.hpp"
#include "json_value.hpp"

using namespace std::chrono_literals;
using strait::test::child_process;
using strait::test::json_reader;
using strait::test::json_value;

namespace {

std::filesystem::path tool() {
  return strait::test::self_executable_path().parent_path() / STRAIT_TOOL_NAME;
}

// The holder of named objects of the shm tests, built into the tests folder.
std::filesystem::path shm_peer() {
  const auto self = strait::test::self_executable_path();
  return self.parent_path().parent_path() / "tests" /
         ("strait_shm_peer" + self.extension().string());
}

// POSIX: a crashed owner's files stay until the name is reclaimed (stale).
// Windows: a kernel object dies with its last handle.
constexpr bool names_outlive_their_owner = std::string_view(STRAIT_PLATFORM_NAME) == "posix";

bool supported(std::string_view scheme) {
  for (const auto s : strait::supported_schemes())
    if (s == scheme) return true;
  return false;
}

// What the tool prints to standard output with `args`; fails the test when
// it does not exit with 0.
std::string tool_output(const std::vector<std::string>& args) {
  const auto file = std::filesystem::temp_directory_path() /
                    (strait::test::unique_name("tool-out") + ".txt");
  child_process run(tool(), args, file);
  const int code = strait::test::exit_code_within(run, 20s);
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  in.close();
  std::filesystem::remove(file);
  REQUIRE(code == 0);
  return text.str();
}

// `strait ls --json`, parsed: an array of objects.
std::vector<json_value> listed() {
  const auto out = tool_output({"ls", "--json"});
  INFO(out);
  json_value all;
  REQUIRE_NOTHROW(all = json_reader::parse(out));
  REQUIRE(all.kind == json_value::type::array);
  for (const auto& e : all.items) {
    REQUIRE(e.kind == json_value::type::object);
    for (const char* field : {"url", "kind", "name", "pid", "state"})
      REQUIRE(e.members.count(field) == 1);
  }
  return all.items;
}

// The entry of `kind` named `name` (case as the platform keeps it), if listed.
std::optional<json_value> find(const std::vector<json_value>& all, std::string_view kind,
                               std::string_view name) {
  for (const auto& e : all) {
    if (e.members.at("kind").text == kind && e.members.at("name").text == name) return e;
  }
  return std::nullopt;
}

// A listener of the tool's, running until it has received one message.
struct served {
  std::string url;
  child_process server;
};

served serve(const std::string& scheme, const std::string& name) {
  const auto url = scheme + "://" + name;
  served s{url, child_process(tool(), {"listen", url, "--count", "1"})};
  asio::io_context io;
  strait::test::connect_when_served(io, url);  // it listens now
  return s;
}

// Ends a listener the way a user does: its last message, then it exits and
// removes its names.
void finish(served& s) {
  asio::io_context io;
  auto ch = strait::test::connect_when_served(io, s.url);
  ch.send(strait::buffer("bye"));
  CHECK(strait::test::exit_code_within(s.server, 20s) == 0);
}

// Names are folded to lower case where the platform ignores their case.
std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

TEST_CASE("tool.ls_lists_each_transport_and_a_killed_listener_as_stale", "[tool][C7]") {
  // Lower-case names: Windows lists pipes and mailslots that way.
  const auto pipe = lower(strait::test::unique_name("ls-pipe"));
  const auto slot = lower(strait::test::unique_name("ls-slot"));
  const auto shm = lower(strait::test::unique_name("ls-shm"));
  const auto unix_name = lower(strait::test::unique_name("ls-unix"));
  const auto object = strait::test::unique_name("ls-mutex");

  served pipe_server = serve("pipe", pipe);
  served slot_reader = serve("mailslot", slot);
  served shm_server = serve("shm", shm);
  std::optional<served> unix_server;
  if (supported("unix")) unix_server = serve("unix", unix_name);
  const strait::named_mutex mutex = strait::named_mutex::create(object);

  const auto all = listed();
  const auto check_live = [&](std::string_view kind, const std::string& name,
                              std::uint64_t holder) {
    INFO(kind << " " << name);
    const auto e = find(all, kind, name);
    REQUIRE(e);
    CHECK(e->members.at("state").text == "live");
    const auto& pid = e->members.at("pid");
    // The pid where the OS tells (Linux: /proc/locks); never another process's.
    if (names_outlive_their_owner && std::filesystem::exists("/proc/locks"))
      CHECK(pid.kind == json_value::type::number);
    if (pid.kind != json_value::type::null) CHECK(pid.text == std::to_string(holder));
    if (kind != "named_mutex")
      CHECK(e->members.at("url").text == std::string(kind) + "://" + name);
    else
      CHECK(e->members.at("url").kind == json_value::type::null);
  };
  check_live("pipe", pipe, pipe_server.server.pid());
  check_live("mailslot", slot, slot_reader.server.pid());
  check_live("shm", shm, shm_server.server.pid());
  if (unix_server) check_live("unix", unix_name, unix_server->server.pid());
  check_live("named_mutex", object, strait::test::current_process_id());

  // The table names the same endpoints by their URLs.
  const auto table = tool_output({"ls"});
  CHECK(table.find("pipe://" + pipe) != std::string::npos);
  CHECK(table.find("mailslot://" + slot) != std::string::npos);

  // A crash: the pipe listener and the mailslot reader die without cleaning up.
  pipe_server.server.kill();
  slot_reader.server.kill();
  CHECK(strait::test::exit_code_within(pipe_server.server, 20s) == strait::test::killed_exit_code);
  CHECK(strait::test::exit_code_within(slot_reader.server, 20s) == strait::test::killed_exit_code);
  const auto after = listed();
  for (const auto& [kind, name] : {std::pair{"pipe", pipe}, std::pair{"mailslot", slot}}) {
    INFO(kind << " " << name);
    const auto e = find(after, kind, name);
    // POSIX: the files stay, with nobody's lock on them. Windows: a dead
    // process's objects are gone with it.
    if (e) {
      CHECK(e->members.at("state").text == "stale");
      CHECK(e->members.at("pid").kind == json_value::type::null);
    }
    CHECK(bool(e) == names_outlive_their_owner);
  }
  const auto still_served = find(after, "shm", shm);
  REQUIRE(still_served);
  CHECK(still_served->members.at("state").text == "live");

  // C7: the next listener reclaims a stale name, and leaves nothing behind.
  {
    asio::io_context io;
    strait::listener again = strait::listen(io, "pipe://" + pipe);
    strait::mailslot box = strait::mailslot::create(io, slot);
  }
  const auto reclaimed = listed();
  CHECK_FALSE(find(reclaimed, "pipe", pipe));
  CHECK_FALSE(find(reclaimed, "mailslot", slot));

  finish(shm_server);
  if (unix_server) finish(*unix_server);
}

TEST_CASE("tool.info_prints_capabilities_and_peer", "[tool]") {
  const auto name = lower(strait::test::unique_name("info"));
  served server = serve("pipe", name);
  const auto out = tool_output({"info", "pipe://" + name});
  INFO(out);
  CHECK(out.find("can_send          yes") != std::string::npos);
  CHECK(out.find("can_receive       yes") != std::string::npos);
  CHECK(out.find("cross_machine     no") != std::string::npos);
  // The listener's process, as the OS says (SO_PEERCRED, GetNamedPipeServerProcessId).
  CHECK(out.find("peer_pid          " + std::to_string(server.server.pid())) != std::string::npos);
  finish(server);

  const auto slot = lower(strait::test::unique_name("info-slot"));
  served reader = serve("mailslot", slot);
  const auto writer = tool_output({"info", "mailslot://" + slot});
  INFO(writer);
  CHECK(writer.find("can_receive       no") != std::string::npos);  // M1
  finish(reader);
}

TEST_CASE("tool.ls_and_info_refuse_bad_usage", "[tool]") {
  CHECK(child_process(tool(), {"ls", "--jsn"}).wait(20s) == 2);
  CHECK(child_process(tool(), {"info"}).wait(20s) == 2);
  const auto missing = "pipe://" + strait::test::unique_name("info-missing");
  CHECK(child_process(tool(), {"info", missing}).wait(20s) == 1);  // C5: not_found
}

TEST_CASE("tool.ls_shows_a_named_object_of_a_killed_holder_as_stale", "[tool][S2]") {
  const auto name = strait::test::unique_name("ls-region");
  auto ready = strait::named_event::create(strait::test::unique_name("ls-ready"));
  child_process holder(shm_peer(), {"create-and-hang", name, "64", "1", ready.name()});
  REQUIRE(ready.wait_for(20s));

  const auto live = find(listed(), "shared_memory", name);
  REQUIRE(live);
  CHECK(live->members.at("state").text == "live");
  CHECK(live->members.at("url").kind == json_value::type::null);
  if (live->members.at("pid").kind != json_value::type::null)
    CHECK(live->members.at("pid").text == std::to_string(holder.pid()));

  holder.kill();
  CHECK(strait::test::exit_code_within(holder, 20s) == strait::test::killed_exit_code);
  const auto dead = find(listed(), "shared_memory", name);
  CHECK(bool(dead) == names_outlive_their_owner);
  if (dead) CHECK(dead->members.at("state").text == "stale");

  // S2: the crash counted as a close; the next open finds nothing and clears the name.
  std::error_code ec;
  strait::shared_memory::open(name, {}, ec);
  CHECK(ec == strait::errc::not_found);
  CHECK_FALSE(find(listed(), "shared_memory", name));
}
