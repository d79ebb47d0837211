// N1 on POSIX: every NAME gets a socket file whose address fits in sun_path
// (104 bytes on macOS and the BSDs, 108 on Linux) for any uid, and helper
// files that no valid NAME's socket file can be (issues 15.11, 12.7). The
// classification of a refused connect (macOS: a full queue, 15.13), and C5
// while a listener starts and stops.
#include <sys/un.h>

#include <chrono>
#include <map>
#include <set>
#include <string>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"
#include "local_socket.hpp"
#include "runtime_directory.hpp"

namespace sd = strait::detail;
using strait::errc;

namespace {

// macOS's $TMPDIR: /var/folders/XX/YYYYYYYYYYYYYYYYYYYYYYYYYYYY/T/ (49 bytes).
constexpr const char* macos_tmpdir = "/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T/";
constexpr unsigned long widest_uid = 4294967295ul;  // 10 digits

std::string longest_name(char fill) { return std::string(strait::max_name_length, fill); }

// Both ways a socket file is reached, with the widest descriptor number.
void check_fits(const std::string& dir, const std::string& file, std::size_t sun_path_size) {
  INFO(dir << " / " << file << " in " << sun_path_size);
  REQUIRE_FALSE(file.empty());
  CHECK(dir.size() + 1 + file.size() < sun_path_size);
  CHECK(std::string("/proc/self/fd/2147483647/").size() + file.size() < sun_path_size);
}

}  // namespace

TEST_CASE("posix.N1.runtime_directory_location", "[N1]") {
  const auto xdg = sd::locate_runtime_directory("/run/user/1000/", "/tmp", 1000);
  CHECK(xdg.path() == "/run/user/1000/strait");
  const auto mac = sd::locate_runtime_directory(nullptr, macos_tmpdir, widest_uid);
  CHECK(mac.path() == std::string(macos_tmpdir) + "strait-4294967295");
  const auto relative = sd::locate_runtime_directory("run", "tmp", 7);
  CHECK(relative.path() == "/tmp/strait-7");  // only absolute variables are believed
}

TEST_CASE("posix.N1.socket_names_fit_sun_path_for_any_uid", "[N1]") {
  for (const std::size_t sun_path_size : {std::size_t{104}, std::size_t{108}}) {
    for (const char* tmpdir : {"/tmp", macos_tmpdir}) {
      for (const unsigned long uid : {0ul, 501ul, 65534ul, widest_uid}) {
        const auto dir = sd::locate_runtime_directory(nullptr, tmpdir, uid).path();
        const auto room = sd::socket_name_room(dir.size(), sun_path_size);
        for (const char* kind : {"pipe", "unix", "mailslot"}) {
          for (const char fill : {'a', 'Z'}) {
            check_fits(dir, sd::socket_file_name(kind, longest_name(fill), room), sun_path_size);
          }
          check_fits(dir, sd::socket_file_name(kind, "x", room), sun_path_size);
        }
      }
    }
  }
}

TEST_CASE("posix.N1.socket_names_are_readable_and_distinct", "[N1]") {
  const auto room = sd::socket_name_room(std::string("/run/user/1000/strait").size(), 108);
  CHECK(sd::socket_file_name("pipe", "orders", room) == "pipe.orders");
  // Long names differing only at the end still get different files.
  auto a = longest_name('a');
  auto b = a;
  b.back() = 'b';
  const auto file_a = sd::socket_file_name("mailslot", a, 30);
  const auto file_b = sd::socket_file_name("mailslot", b, 30);
  CHECK(file_a.size() <= 30);
  CHECK(file_a != file_b);
  CHECK(file_a == sd::socket_file_name("mailslot", a, 30));  // the same in every process
  CHECK(sd::socket_file_name("mailslot", a, 10).empty());    // no room: invalid_name
}

TEST_CASE("posix.N1.helper_files_are_no_names_socket_file", "[N1][C7]") {
  const std::size_t room = 82;
  std::set<std::string> sockets;
  std::set<std::string> helpers;
  for (const std::string name : {"foo", "foo.lock", "foo.max", "foo.slots", "foo.slot.0",
                                 "foo.slots.tmp", "foo-lock", "foo_max"}) {
    const auto file = sd::socket_file_name("pipe", name, room);
    sockets.insert(file);
    for (const char* role : {"lock", "max", "slots", "slot+0", "slots+tmp", "max+tmp"})
      helpers.insert(sd::helper_file_name(file, role));
  }
  for (const auto& h : helpers) CHECK(sockets.count(h) == 0);
  for (const auto& s : sockets) CHECK(s.find('+') == std::string::npos);
}

TEST_CASE("posix.C5.refused_connect_to_a_live_name_is_busy", "[C5]") {
  // macOS refuses a connect past a full listen queue with ECONNREFUSED.
  CHECK(sd::refused_connect_means(true, true) == errc::pipe_busy);
  CHECK(sd::refused_connect_means(true, false) == errc::not_found);  // a crashed server's file
  CHECK(sd::refused_connect_means(false, false) == errc::not_found);
  CHECK(sd::refused_connect_means(false, true) == errc::not_found);  // being set up or torn down

  // The lock probe tells a served name from a free one.
  asio::io_context io;
  const auto name = strait::test::unique_name("held");
  std::error_code ec;
  const auto place = sd::local_socket_place("pipe", name, ec);
  REQUIRE(place);
  CHECK_FALSE(sd::name_lock::is_held(*place));
  auto served = strait::listen(io, "pipe://" + name);
  CHECK(sd::name_lock::is_held(*place));
  served.close();
  CHECK_FALSE(sd::name_lock::is_held(*place));
}

// C5: a client connecting while a listener sets up or withdraws its name
// finds it served or not found (not_found), never busy: the socket file
// exists only while it can be connected to. Busy is for a full queue.
TEST_CASE("posix.C5.a_name_being_served_or_withdrawn_is_not_found_never_busy", "[C5]") {
  for (const char* scheme : {"unix", "pipe"}) {
    const auto url = std::string(scheme) + "://" + strait::test::unique_name("churn");
    INFO(url);
    auto churn = strait::test::start_beside("listen_churn", url, {"2000"});
    asio::io_context io;
    std::map<errc, int> outcomes;
    while (!churn.wait(std::chrono::milliseconds(0))) {
      std::error_code ec;
      auto ch = strait::connect(io, url, {}, ec);  // no timeout: C5's answer at once
      ++outcomes[strait::to_errc(ec)];
    }
    const auto times = [&](errc e) {
      const auto it = outcomes.find(e);
      return it == outcomes.end() ? 0 : it->second;
    };
    std::string seen;  // errc: connects
    int connects = 0;
    for (const auto& [e, count] : outcomes) {
      seen += std::to_string(static_cast<int>(e)) + ": " + std::to_string(count) + "; ";
      connects += count;
    }
    INFO(seen);
    CHECK(times(errc::pipe_busy) == 0);
    CHECK(times(errc{}) > 0);           // served,
    CHECK(times(errc::not_found) > 0);  // and not,
    CHECK(times(errc{}) + times(errc::not_found) == connects);  // and nothing else
    CHECK(strait::test::exit_code_within(churn, std::chrono::seconds(20)) == 0);
  }
}
