// N2 on Windows: pipe and object names are machine-wide, so another user
// could create one first and read what strait's clients send (squatting).
// Clients check who serves the name; openers check who owns the object
// (platform/win32/security.hpp). Wine runs every process as one user, so the
// foreign user is a SID no process has: through the check itself (the seam),
// and as connect_options::server_user against a real server in another
// process (the strait tool).
#include <string>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"
#include "connect_when_served.hpp"
#include "security.hpp"  // platform/win32

using strait::errc;
using strait::test::child_process;

namespace {

// A well-formed SID of a user account no process of this test runs as.
constexpr const char* foreign_user = "S-1-5-21-1111111111-2222222222-3333333333-1001";

// The strait tool, built into the tools folder beside ours.
std::filesystem::path tool() {
  return strait::test::self_executable_path().parent_path().parent_path() / "tools" /
         "strait.exe";
}

// What a client that expects the foreign user to serve `url` gets.
std::error_code connect_expecting_foreign_user(asio::io_context& io, const std::string& url) {
  strait::connect_options other;
  other.server_user = foreign_user;
  std::error_code ec;
  strait::connect(io, url, other, ec);
  return ec;
}

// Served by this user, in another process: the default expectation
// connects; a client that expects someone else refuses the same server
// before sending anything.
void check_who_serves(const std::string& scheme) {
  const std::string url = scheme + "://" + strait::test::unique_name("squat-" + scheme);
  child_process server(tool(), {"listen", url, "--echo", "--count", "1"});
  asio::io_context io;
  strait::channel ch = strait::test::connect_when_served(io, url);
  CHECK(connect_expecting_foreign_user(io, url) == errc::access_denied);
  ch.send(strait::buffer("still served"));
  CHECK(ch.receive().size() == 12);
  ch.close();
  CHECK(strait::test::exit_code_within(server, std::chrono::seconds(30)) == 0);
}

}  // namespace

TEST_CASE("security.win32_owner_check_refuses_another_user", "[N2]") {
  namespace d = strait::detail;
  const std::string me = d::current_user_sid();
  REQUIRE_FALSE(me.empty());
  CHECK_FALSE(d::check_server_user(me, {}));
  CHECK_FALSE(d::check_server_user(foreign_user, foreign_user));
  CHECK(d::check_server_user(foreign_user, {}) == errc::access_denied);
  CHECK(d::check_server_user(me, foreign_user) == errc::access_denied);
  CHECK(d::check_server_user("", {}) == errc::access_denied);  // unknown is not us
  CHECK_FALSE(d::check_object_owner(me, {}));
  CHECK_FALSE(d::check_object_owner("S-1-5-32-544", {}));  // an elevated administrator's
  CHECK(d::check_object_owner(foreign_user, {}) == errc::access_denied);
  CHECK(d::check_object_owner("", {}) == errc::access_denied);
}

TEST_CASE("security.win32_pipe_client_checks_who_serves", "[N2]") { check_who_serves("pipe"); }

// shm:// meets its server over a pipe: the same check.
TEST_CASE("security.win32_shm_client_checks_who_serves", "[N2]") { check_who_serves("shm"); }

TEST_CASE("security.win32_named_objects_are_owned_by_their_creator", "[N2]") {
  // What strait creates names this user as owner, elevated or not, so that
  // create_or_open of an existing object passes its owner check.
  const std::string name = strait::test::unique_name("owned");
  auto first = strait::named_event::create_or_open(name);
  auto again = strait::named_event::create_or_open(name);
  CHECK_FALSE(again.created());
  auto opened = strait::named_event::open(name);
  first.set();
  CHECK(opened.wait_for(std::chrono::seconds(5)));
}

// A mailslot writer checks who reads: through the owner of the info object a
// strait reader publishes (Wine names no owner for a writer's own handle).
TEST_CASE("security.win32_mailslot_writer_checks_who_reads", "[N2]") {
  const std::string url = "mailslot://" + strait::test::unique_name("squat-mailslot");
  child_process reader(tool(), {"listen", url});
  asio::io_context io;
  strait::channel writer = strait::test::connect_when_served(io, url);
  CHECK(connect_expecting_foreign_user(io, url) == errc::access_denied);
  std::error_code ec;
  writer.send(strait::buffer("still read"), ec);
  CHECK_FALSE(ec);
  reader.kill();
}
