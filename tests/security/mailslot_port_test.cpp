// A mailslot reader that receives broadcasts binds the name's UDP port; a
// process of another user must not share that port, or it would receive the
// unicast datagrams meant for the reader (issue 12.6).
#include <unistd.h>

#include <string>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "local_names_support.hpp"

namespace st = strait::test;

TEST_CASE("mailslot_port_not_shareable_by_other_uid", "[M6]") {
  if (!st::running_as_root()) {
    WARN("not root: cannot run a process as another user; skipped");
    return;
  }
  const auto name = st::unique_name("port");
  asio::io_context io;
  strait::mailslot_options options;
  options.receive_broadcasts = true;
  options.broadcast.interface_address = "127.0.0.1";
  auto reader = strait::mailslot::create(io, name, options);
  const auto port = strait::broadcast_address(name).port;

  auto other = st::child_process(st::self_executable_path().parent_path() / "udp_bind_as",
                                 {std::to_string(st::other_uid), std::to_string(port)});
  CHECK(st::exit_code_within(other, std::chrono::seconds(20)) == 0);
}
