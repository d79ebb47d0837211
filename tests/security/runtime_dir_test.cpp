// The per-user runtime directory (N2) against other local users: it is
// opened once and used through that descriptor, a parent someone else can
// write is refused, and a squatted directory is named with its owner.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "local_names_support.hpp"

namespace st = strait::test;
using strait::errc;
using strait::test::read_file;

// Root with a user's XDG_RUNTIME_DIR: that user owns the parent and could
// swap the directory between strait's check and its use (issue 12.5).
TEST_CASE("runtime_dir_parent_of_another_user_refused", "[N2]") {
  if (!st::running_as_root()) {
    WARN("not root: cannot make a directory of another user; skipped");
    return;
  }
  const st::scratch_directory users_dir("xdg-other");
  REQUIRE(::chown(users_dir.path().c_str(), st::other_uid, st::other_uid) == 0);
  const st::environment_override xdg("XDG_RUNTIME_DIR", users_dir.path().string());

  asio::io_context io;
  for (const std::string kind : {"pipe", "unix"}) {
    INFO(kind);
    std::error_code ec;
    auto l = strait::listen(io, kind + "://" + st::unique_name("parent"), ec);
    CHECK(ec == errc::access_denied);
    CHECK_FALSE(l.is_open());
  }
}

// The directory is swapped while a listener lives: the listener keeps using
// the directory it opened and, closing, removes its own socket file, not the
// file now at the same path (issue 12.5).
TEST_CASE("runtime_dir_swap_after_open_not_followed", "[N2]") {
  const st::scratch_directory xdg_dir("xdg-swap");
  const st::environment_override xdg("XDG_RUNTIME_DIR", xdg_dir.path().string());
  const auto name = st::unique_name("swap");
  asio::io_context io;
  auto listener = strait::listen(io, "pipe://" + name);

  const auto dir = xdg_dir / "strait";
  std::filesystem::rename(dir, xdg_dir / "strait.moved");
  std::filesystem::create_directory(dir);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
  const auto planted = dir + "/pipe." + name;
  std::ofstream(planted) << "planted";

  listener.close();
  CHECK(read_file(planted) == "planted");
  CHECK(std::filesystem::exists(xdg_dir / "strait.moved"));
  CHECK_FALSE(std::filesystem::exists(xdg_dir / ("strait.moved/pipe." + name)));
}

// Another user made /tmp/strait-UID first (issue 12.9): the call fails, and
// its message says which path belongs to whom.
TEST_CASE("squatted_dir_message_names_owner", "[N2]") {
  if (!st::running_as_root()) {
    WARN("not root: cannot make a directory of another user; skipped");
    return;
  }
  const st::scratch_directory tmp("tmpdir-squat");
  REQUIRE(::chmod(tmp.path().c_str(), 0755) == 0);
  const auto squatted = tmp / ("strait-" + std::to_string(::geteuid()));
  REQUIRE(::mkdir(squatted.c_str(), 0700) == 0);
  REQUIRE(::chown(squatted.c_str(), st::other_uid, st::other_uid) == 0);
  const st::environment_override no_xdg("XDG_RUNTIME_DIR", std::nullopt);
  const st::environment_override tmpdir("TMPDIR", tmp.path().string());

  asio::io_context io;
  std::string message;
  std::error_code ec;
  try {
    strait::listen(io, "pipe://" + st::unique_name("squat"));
  } catch (const std::system_error& e) {
    ec = e.code();
    message = e.what();
  }
  INFO(message);
  CHECK(ec == errc::access_denied);
  CHECK(message.find(squatted) != std::string::npos);
  CHECK(message.find("uid " + std::to_string(st::other_uid)) != std::string::npos);
}
