// connect_as UID URL: drops to user UID (and its group), then connects to
// URL. The exit code is the strait::errc of the connect, 0 when it worked:
// the other side of the permission tests, a process of another user.
#include <grp.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <system_error>

#include <strait/strait.hpp>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: connect_as UID URL\n");
    return 100;
  }
  const auto uid = static_cast<uid_t>(std::strtoul(argv[1], nullptr, 10));
  // Groups first: setuid gives up the right to change them.
  if (::setgroups(0, nullptr) != 0 || ::setgid(static_cast<gid_t>(uid)) != 0 ||
      ::setuid(uid) != 0 || ::geteuid() != uid) {
    std::perror("connect_as: cannot switch user");
    return 101;
  }
  asio::io_context io;
  std::error_code ec;
  strait::connect(io, argv[2], ec);
  if (ec) std::fprintf(stderr, "connect_as %s %s: %s\n", argv[1], argv[2], ec.message().c_str());
  return static_cast<int>(strait::to_errc(ec));
}
