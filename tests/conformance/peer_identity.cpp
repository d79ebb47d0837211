// channel::peer(): on local transports, each end learns the other's process
// id and user from the OS (SO_PEERCRED, LOCAL_PEERCRED, GetNamedPipeClient/
// ServerProcessId), not from anything the peer says about itself.
#include <sstream>
#include <string>

#include "catch.hpp"
#include "harness.hpp"

namespace sc = strait::conformance;

TEST_CASE("peer.both_ends_see_each_others_pid_and_user", "[peer][no-tcp]") {
  sc::peer_session s("identify");
  const auto report = s.channel.receive();
  std::istringstream in(std::string(reinterpret_cast<const char*>(report.data()), report.size()));
  std::string peer_pid, user_seen_by_peer, pid_seen_by_peer;
  in >> peer_pid >> user_seen_by_peer >> pid_seen_by_peer;

  const auto seen = s.channel.peer();
  REQUIRE(seen.pid.has_value());
  CHECK(*seen.pid == s.peer.pid());
  CHECK(std::to_string(*seen.pid) == peer_pid);
  CHECK(pid_seen_by_peer == std::to_string(strait::test::current_process_id()));
  // Both processes run as the same user, so each sees the same user in the other.
  CHECK_FALSE(seen.user.empty());
  CHECK(seen.user == user_seen_by_peer);
  CHECK(s.close_and_wait() == 0);
}
