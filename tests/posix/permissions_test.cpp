// N2 on POSIX: the socket files of unix:// and pipe:// names are 0600 in a
// 0700 per-user directory, and a process of another user cannot connect.
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"
#include "local_socket.hpp"

using strait::errc;

namespace {

constexpr unsigned nobody = 65534;

std::filesystem::path connect_as() {
  return strait::test::self_executable_path().parent_path() / "connect_as";
}

struct stat stat_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st;
}

// A listener on a fresh KIND://NAME, and the socket file the backend made for it.
struct served_name {
  served_name(const std::string& kind, std::string_view prefix)
      : name(strait::test::unique_name(prefix)), listener(strait::listen(io, kind + "://" + name)) {
    std::error_code ec;
    path = strait::detail::local_socket_path(kind, name, ec);
    REQUIRE_FALSE(ec);
  }

  asio::io_context io;
  std::string name;
  strait::listener listener;
  std::string path;
};

}  // namespace

TEST_CASE("posix.N2.socket_files_are_private_to_the_user", "[N2]") {
  for (const std::string kind : {"pipe", "unix"}) {
    INFO(kind);
    const served_name served(kind, "perm");
    const std::string& path = served.path;
    const auto socket = stat_of(path);
    CHECK(S_ISSOCK(socket.st_mode));
    CHECK((socket.st_mode & 07777) == 0600);
    CHECK(socket.st_uid == ::geteuid());

    const auto dir = stat_of(std::filesystem::path(path).parent_path().string());
    CHECK(S_ISDIR(dir.st_mode));
    CHECK((dir.st_mode & 07777) == 0700);
    CHECK(dir.st_uid == ::geteuid());
  }
}

TEST_CASE("posix.N2.remote_clients_are_not_supported", "[N2]") {
  asio::io_context io;
  strait::listen_options options;
  options.allow_remote_clients = true;
  for (const std::string kind : {"pipe", "unix"}) {
    std::error_code ec;
    strait::listen(io, kind + "://" + strait::test::unique_name("perm-remote"), options, ec);
    CHECK(ec == errc::not_supported);
  }
  std::error_code ec;
  strait::connect(io, "pipe://server/" + strait::test::unique_name("perm-remote"), ec);
  CHECK(ec == errc::not_supported);  // \\server\pipe\NAME needs the Windows backend
}

// Needs root to become another user; CI runs as root. Without root this case
// reports a warning and checks nothing further.
TEST_CASE("posix.N2.another_user_cannot_connect", "[N2]") {
  if (::geteuid() != 0) {
    WARN("not root: cannot run a process as another user; skipped");
    return;
  }
  for (const std::string kind : {"pipe", "unix"}) {
    INFO(kind);
    const served_name served(kind, "perm-other");
    const std::string& path = served.path;
    // The other user names the socket file itself: its own NAME would map
    // into its own runtime directory.
    strait::test::child_process other(connect_as(), {std::to_string(nobody), "unix://" + path});
    CHECK(other.wait(std::chrono::seconds(20)) == static_cast<int>(errc::access_denied));

    // The same program as our own user gets in: the refusal above is the
    // permissions, not the URL.
    if (kind == "unix") {
      strait::test::child_process same(connect_as(), {"0", "unix://" + path});
      CHECK(same.wait(std::chrono::seconds(20)) == 0);
    }
  }
}
