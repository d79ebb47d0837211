// connect() and listen() before any transport runs: malformed URLs, and
// schemes this platform does not have (STRAIT_TEST_SCHEMES, from
// tests/CMakeLists.txt, lists the ones it has).
#include <string>
#include <string_view>
#include <vector>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"

using strait::errc;

namespace {

const std::vector<std::string> all_schemes{"tcp", "unix", "pipe", "mailslot", "shm", "copydata"};

bool platform_has(std::string_view scheme) {
  const std::string_view listed = STRAIT_TEST_SCHEMES;
  std::size_t start = 0;
  while (start <= listed.size()) {
    const auto end = std::min(listed.find(',', start), listed.size());
    if (listed.substr(start, end - start) == scheme) return true;
    start = end + 1;
  }
  return false;
}

// A URL of `scheme` that nobody serves.
std::string unserved(const std::string& scheme) {
  if (scheme == "tcp") return "tcp://127.0.0.1:1";
  return scheme + "://" + strait::test::unique_name("unit");
}

}  // namespace

TEST_CASE("registry.malformed_urls_fail_before_any_transport", "[registry]") {
  asio::io_context io;
  std::error_code ec;
  for (const std::string url : {"ftp://x", "", "tcp://127.0.0.1:65536", "tcp://:80"}) {
    INFO("'" << url << "'");
    auto ch = strait::connect(io, url, ec);
    CHECK(ec == errc::invalid_argument);
    CHECK_FALSE(ch.is_open());
    auto l = strait::listen(io, url, ec);
    CHECK(ec == errc::invalid_argument);
    CHECK_FALSE(l.is_open());
  }
  for (const std::string url : {"pipe://a b", "shm://..", "unix://a/b"}) {
    INFO("'" << url << "'");
    strait::connect(io, url, ec);
    CHECK(ec == errc::invalid_name);
    strait::listen(io, url, ec);
    CHECK(ec == errc::invalid_name);
  }
  try {
    strait::connect(io, "ftp://x");
    FAIL("connect to ftp://x did not throw");
  } catch (const std::system_error& e) {
    CHECK(e.code() == errc::invalid_argument);
    CHECK_THAT(e.what(), strait::test::contains("ftp"));
  }
}

TEST_CASE("registry.schemes_this_platform_lacks_are_not_supported", "[registry]") {
  asio::io_context io;
  for (const auto& scheme : all_schemes) {
    const auto url = unserved(scheme);
    INFO(url << " (platform schemes: " << STRAIT_TEST_SCHEMES << ")");
    std::error_code connect_ec, listen_ec;
    strait::connect(io, url, connect_ec);
    if (platform_has(scheme)) {
      CHECK_FALSE(connect_ec == errc::not_supported);
      CHECK_FALSE(connect_ec == errc::invalid_argument);
      continue;
    }
    CHECK(connect_ec == errc::not_supported);
    auto l = strait::listen(io, url, listen_ec);
    CHECK(listen_ec == errc::not_supported);
    CHECK_FALSE(l.is_open());
    try {
      strait::listen(io, url);
      FAIL("listen on " << url << " did not throw");
    } catch (const std::system_error& e) {
      CHECK(e.code() == errc::not_supported);
      CHECK_THAT(e.what(), strait::test::contains(scheme));
    }
  }
}

TEST_CASE("registry.default_objects_are_not_open", "[registry]") {
  strait::channel ch;
  CHECK_FALSE(ch.is_open());
  std::error_code ec;
  ch.send(strait::buffer("x"), ec);
  CHECK(ec == errc::broken_pipe);
  ch.receive(ec);
  CHECK(ec == errc::broken_pipe);
  strait::listener l;
  CHECK_FALSE(l.is_open());
  l.accept(ec);
  CHECK(static_cast<bool>(ec));
}
