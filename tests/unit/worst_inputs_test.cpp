// The error_code overloads of connect() and listen() never throw: each one
// fed malformed URLs, names and paths at and past their limits, and the
// extreme values of every option. A failure is an error code; what succeeds
// (a listener on a path that just fits) is closed again at once.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <strait/strait.hpp>

#include "backend.hpp"
#include "catch.hpp"
#include "child_process.hpp"

using strait::errc;
using namespace std::chrono_literals;

namespace {

// An absolute unix:// path of exactly `size` bytes, in /tmp, unique to this run.
std::string unix_path_of(std::size_t size, const std::string& tag) {
  std::string path = "/tmp/" + tag + "-";
  path.resize(size, 'p');
  return path;
}

std::vector<std::string> worst_urls() {
  const std::string tag = strait::test::unique_name("worst");
  const std::size_t limit = strait::detail::max_unix_socket_path();
  std::vector<std::string> urls{
      "", "://", "unix", "unix://", "unix:///", "tcp://", "tcp://:", "tcp://[::1",
      "tcp://[::1]:", "tcp://127.0.0.1:65536", "tcp://127.0.0.1:-1", "tcp://127.0.0.1:0",
      "pipe://", "pipe:///", "pipe://a/b/c", "pipe://" + std::string(4096, 'n'),
      "mailslot://*/", "mailslot://*/" + tag, "shm://" + std::string(1, '\0'),
      "shm://" + std::string(strait::max_name_length + 1, 's'),
      "unix://" + std::string(1, '\0'), "unix:///" + std::string(1, '\0'),
      std::string(1 << 16, 'x'), "unix://" + std::string(1 << 16, '/')};
  // Around the platform's sun_path, and past Linux's (104-107 bytes: too
  // long for macOS's 104-byte sun_path, which Linux's 108 holds).
  for (std::size_t size : {limit - 1, limit, limit + 1, std::size_t{104}, std::size_t{107},
                           std::size_t{108}, std::size_t{4096}})
    urls.push_back("unix://" + unix_path_of(size, tag));
  return urls;
}

std::vector<strait::listen_options> worst_listen_options() {
  std::vector<strait::listen_options> all(4);
  all[1].max_message_size = 0;
  all[1].buffer_size = 1;
  all[2].max_message_size = std::numeric_limits<std::size_t>::max();
  all[2].buffer_size = std::numeric_limits<std::size_t>::max();
  all[2].max_instances = std::numeric_limits<std::size_t>::max();
  all[3].allow_remote_clients = true;
  all[3].max_instances = 1;
  return all;
}

std::vector<strait::connect_options> worst_connect_options() {
  std::vector<strait::connect_options> all(4);
  all[1].timeout = 0ms;
  all[1].max_message_size = 0;
  all[2].timeout = -1ms;
  all[2].shm_spin_time = std::chrono::nanoseconds::min();
  all[3].timeout = 50ms;
  all[3].max_message_size = std::numeric_limits<std::size_t>::max();
  all[3].shm_spin_time = std::chrono::nanoseconds::max();
  return all;
}

// Whatever `open` returns, it returned: and a URL the parser rejects is
// reported as the parser's error, not as some later failure.
template <class Open>
void expect_no_throw(const std::string& url, Open open) {
  INFO("url: " << url.substr(0, 120) << (url.size() > 120 ? "... (" + std::to_string(url.size()) + " bytes)" : ""));
  std::error_code parsed;
  (void)strait::parse_endpoint(url, parsed);
  std::error_code ec;
  CHECK_NOTHROW(open(ec));
  if (parsed) CHECK(ec == parsed);
}

}  // namespace

TEST_CASE("registry.listen_error_code_overloads_never_throw", "[registry][N1]") {
  asio::io_context io;
  for (const auto& url : worst_urls()) {
    expect_no_throw(url, [&](std::error_code& ec) { (void)strait::listen(io, url, ec); });
    for (const auto& options : worst_listen_options())
      expect_no_throw(url, [&](std::error_code& ec) { (void)strait::listen(io, url, options, ec); });
  }
}

TEST_CASE("registry.connect_error_code_overloads_never_throw", "[registry][N1]") {
  asio::io_context io;
  for (const auto& url : worst_urls()) {
    expect_no_throw(url, [&](std::error_code& ec) { (void)strait::connect(io, url, ec); });
    for (const auto& options : worst_connect_options())
      expect_no_throw(url, [&](std::error_code& ec) { (void)strait::connect(io, url, options, ec); });
  }
}

TEST_CASE("endpoint.unix_path_limit_is_the_platforms_sun_path", "[endpoint][N1]") {
  const std::size_t limit = strait::detail::max_unix_socket_path();
  const std::string tag = strait::test::unique_name("limit");
  const std::string longest = "unix://" + unix_path_of(limit, tag);
  std::error_code ec;
  (void)strait::parse_endpoint(longest, ec);
  CHECK_FALSE(ec);
  (void)strait::parse_endpoint("unix://" + unix_path_of(limit + 1, tag), ec);
  CHECK(ec == errc::invalid_name);
  const auto schemes = strait::supported_schemes();
  if (std::find(schemes.begin(), schemes.end(), "unix") != schemes.end()) {
    asio::io_context io;
    auto listener = strait::listen(io, longest, ec);  // the longest path the parser takes fits
    CHECK_FALSE(ec);
    CHECK(listener.is_open());
  }
}
