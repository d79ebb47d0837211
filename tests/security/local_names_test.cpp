// Socket files and the helper files beside them against hostile names and
// paths: a valid NAME never reaches another name's helper file (issue 12.7),
// and unix:///PATH removes only a stale socket (issue 12.8).
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "local_names_support.hpp"

namespace st = strait::test;
using strait::errc;
using strait::test::read_file;

namespace {

// A listening AF_UNIX socket at `path` that is not strait's (no lock file);
// with `keep` false it is closed at once, leaving a stale socket file.
int raw_listener(const std::string& path, bool keep) {
  const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(s >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(::listen(s, 4) == 0);
  if (keep) return s;
  ::close(s);
  return -1;
}

}  // namespace

TEST_CASE("helper_file_names_unreachable", "[C7]") {
  const st::scratch_directory xdg_dir("xdg-helpers");
  const st::environment_override xdg("XDG_RUNTIME_DIR", xdg_dir.path().string());
  asio::io_context io;
  for (const std::string suffix : {".lock", ".max", ".slots", ".slot.0", ".slots.tmp"}) {
    INFO(suffix);
    const auto name = st::unique_name("helpers");
    for (const std::string kind : {"pipe", "unix"}) {
      INFO(kind);
      strait::listen_options options;
      if (kind == "pipe") options.max_instances = 1;
      auto served = strait::listen(io, kind + "://" + name, options);
      std::error_code ec;
      auto beside = strait::listen(io, kind + "://" + name + suffix, ec);
      CHECK_FALSE(ec);
      // The name is still held: a second listener on it is refused (C7).
      auto second = strait::listen(io, kind + "://" + name, ec);
      CHECK(ec == errc::already_exists);
    }
    auto reader = strait::mailslot::create(io, name);
    std::error_code ec;
    auto beside = strait::mailslot::create(io, name + suffix, {}, ec);
    CHECK_FALSE(ec);
    auto second = strait::mailslot::create(io, name, {}, ec);
    CHECK(ec == errc::already_exists);  // M2
  }
}

TEST_CASE("unix_path_never_deletes_files", "[C7]") {
  const st::scratch_directory dir("unix-path");
  asio::io_context io;

  SECTION("a regular file is not replaced by the socket") {
    const auto file = dir / "file";
    std::ofstream(file) << "precious";
    std::error_code ec;
    strait::listen(io, "unix://" + file, ec);
    CHECK(ec == errc::already_exists);
    CHECK(read_file(file) == "precious");
  }
  SECTION("a directory is not removed") {
    const auto sub = dir / "sub";
    std::filesystem::create_directory(sub);
    std::error_code ec;
    strait::listen(io, "unix://" + sub, ec);
    CHECK(ec == errc::already_exists);
    CHECK(std::filesystem::is_directory(sub));
  }
  SECTION("a socket another program serves is not taken") {
    const auto path = dir / "live";
    const int live = raw_listener(path, true);
    std::error_code ec;
    strait::listen(io, "unix://" + path, ec);
    CHECK(ec == errc::already_exists);
    struct stat st {};
    CHECK(::lstat(path.c_str(), &st) == 0);
    ::close(live);
  }
  SECTION("a stale socket is reclaimed") {
    const auto path = dir / "stale";
    raw_listener(path, false);
    std::error_code ec;
    auto l = strait::listen(io, "unix://" + path, ec);
    CHECK_FALSE(ec);
    CHECK(l.is_open());
  }
  SECTION("the lock file is not opened through a symlink") {
    const auto path = dir / "linked";
    const auto target = dir / "target";
    std::filesystem::create_symlink(target, path + ".lock");
    std::error_code ec;
    strait::listen(io, "unix://" + path, ec);
    CHECK(ec);
    CHECK_FALSE(std::filesystem::exists(target));
  }
}
