// Endpoint URLs: every scheme's valid forms, and each malformed one with the
// errc the header documents (N1: names are checked before any system call).
#include <string>
#include <vector>

#include <strait/endpoint.hpp>
#include <strait/error.hpp>

#include "catch.hpp"

using strait::errc;

namespace {

struct valid_case {
  std::string url;
  strait::endpoint expected;
};

struct invalid_case {
  std::string url;
  errc expected;
  std::string mentioned;  // what() must name the problem
};

// Each URL fails with its code, says why, and the throwing form's message
// mentions what is wrong.
void check_rejected(const std::vector<invalid_case>& cases) {
  for (const auto& c : cases) {
    INFO("'" << c.url << "'");
    std::error_code ec;
    std::string why;
    strait::parse_endpoint(c.url, ec, &why);
    CHECK(ec == c.expected);
    CHECK_FALSE(why.empty());
    try {
      strait::parse_endpoint(c.url);
      FAIL("the throwing form accepted it");
    } catch (const std::system_error& e) {
      CHECK(e.code() == c.expected);
      CHECK_THAT(e.what(), strait::test::contains(c.mentioned));
    }
  }
}

strait::endpoint make(std::string scheme, std::string host, std::uint16_t port,
                      std::string name) {
  strait::endpoint ep;
  ep.scheme = std::move(scheme);
  ep.host = std::move(host);
  ep.port = port;
  ep.name = std::move(name);
  return ep;
}

const std::string longest_name(strait::max_name_length, 'n');

}  // namespace

TEST_CASE("endpoint.valid_urls_parse", "[endpoint][N1]") {
  const std::vector<valid_case> cases{
      {"tcp://127.0.0.1:80", make("tcp", "127.0.0.1", 80, "")},
      {"tcp://[::1]:0", make("tcp", "::1", 0, "")},
      {"tcp://localhost:65535", make("tcp", "localhost", 65535, "")},
      {"tcp://my-host.example_1:8080", make("tcp", "my-host.example_1", 8080, "")},
      {"unix:///tmp/x.sock", make("unix", "", 0, "/tmp/x.sock")},
      {"unix://name", make("unix", "", 0, "name")},
      {"pipe://name", make("pipe", "", 0, "name")},
      {"pipe://server/name", make("pipe", "server", 0, "name")},
      {"mailslot://name", make("mailslot", "", 0, "name")},
      {"mailslot://*/name", make("mailslot", "*", 0, "name")},
      {"mailslot://host/name", make("mailslot", "host", 0, "name")},
      {"shm://name", make("shm", "", 0, "name")},
      {"shm://Az09._-", make("shm", "", 0, "Az09._-")},
      {"pipe://a-.b_", make("pipe", "", 0, "a-.b_")},
      {"shm://" + longest_name, make("shm", "", 0, longest_name)},
      {"copydata://name", make("copydata", "", 0, "name")},
      {"copydata://window", make("copydata", "", 0, "window")},
      {"copydata://window/Notepad", make("copydata", "window", 0, "Notepad")},
      {"copydata://window/#32770/Save As", make("copydata", "window", 0, "#32770/Save As")},
      {"copydata://window/A%2FB/x%25/y", make("copydata", "window", 0, "A%2FB/x%25/y")},
  };
  for (const auto& c : cases) {
    INFO(c.url);
    std::error_code ec;
    std::string why = "unchanged";
    const auto ep = strait::parse_endpoint(c.url, ec, &why);
    REQUIRE_FALSE(ec);
    CHECK(why.empty());
    CHECK(ep.scheme == c.expected.scheme);
    CHECK(ep.host == c.expected.host);
    CHECK(ep.port == c.expected.port);
    CHECK(ep.name == c.expected.name);
    CHECK(strait::parse_endpoint(c.url) == ep);  // the throwing form agrees
  }
}

TEST_CASE("endpoint.url_round_trip", "[endpoint]") {
  for (const std::string url :
       {"tcp://127.0.0.1:80", "tcp://[::1]:0", "tcp://localhost:65535", "unix:///tmp/x.sock",
        "unix://name", "pipe://name", "pipe://server/name", "mailslot://name",
        "mailslot://*/name", "shm://name", "copydata://name",
        "copydata://window/Class name/Title"}) {
    INFO(url);
    const auto ep = strait::parse_endpoint(url);
    CHECK(ep.url() == url);
    CHECK(strait::parse_endpoint(ep.url()) == ep);
  }
}

TEST_CASE("endpoint.malformed_urls_are_invalid_argument", "[endpoint]") {
  const std::vector<invalid_case> cases{
      {"", errc::invalid_argument, "URL"},
      {"tcp", errc::invalid_argument, "tcp"},
      {"pipe:/name", errc::invalid_argument, "pipe:/name"},
      {"://name", errc::invalid_argument, "scheme"},
      {"ftp://x", errc::invalid_argument, "ftp"},
      {"tcp://127.0.0.1", errc::invalid_argument, "PORT"},
      {"tcp://127.0.0.1:", errc::invalid_argument, "port"},
      {"tcp://127.0.0.1:65536", errc::invalid_argument, "65536"},
      {"tcp://127.0.0.1:99999999", errc::invalid_argument, "99999999"},
      {"tcp://127.0.0.1:http", errc::invalid_argument, "http"},
      {"tcp://127.0.0.1:-1", errc::invalid_argument, "-1"},
      {"tcp://:80", errc::invalid_argument, "host"},
      {"tcp://127.0.0.1:80x", errc::invalid_argument, "80x"},
      {"tcp://127.0.0.1:80/", errc::invalid_argument, "80/"},
      {"tcp://127.0.0.1:80 ", errc::invalid_argument, "80 "},
      {"tcp://[::1]", errc::invalid_argument, "PORT"},
      {"tcp://[::1]x:80", errc::invalid_argument, "]"},
      {"tcp://[::1:80", errc::invalid_argument, "]"},
      {"tcp://[]:80", errc::invalid_argument, "IPv6"},
      {"tcp://bad host:80", errc::invalid_argument, " "},
      {"pipe:///name", errc::invalid_argument, "server"},
  };
  check_rejected(cases);
}

TEST_CASE("endpoint.names_outside_the_grammar_are_invalid_name", "[endpoint][N1]") {
  const std::string too_long(strait::max_name_length + 1, 'n');
  const std::vector<invalid_case> cases{
      {"pipe://", errc::invalid_name, "empty"},
      {"shm://", errc::invalid_name, "empty"},
      {"unix://", errc::invalid_name, "empty"},
      {"mailslot://", errc::invalid_name, "empty"},
      {"pipe://server/", errc::invalid_name, "empty"},
      {"mailslot://*/", errc::invalid_name, "empty"},
      {"shm://a/b", errc::invalid_name, "/"},
      {"unix://a/b", errc::invalid_name, "/"},
      {"pipe://server/a/b", errc::invalid_name, "/"},
      {"pipe://a b", errc::invalid_name, "' '"},
      {"shm://a\\b", errc::invalid_name, "\\"},
      {"shm://caf\xc3\xa9", errc::invalid_name, "caf"},
      {"pipe://..", errc::invalid_name, "'.'"},
      {"shm://../etc", errc::invalid_name, ".."},
      {"unix://..", errc::invalid_name, "'.'"},
      {"pipe://.hidden", errc::invalid_name, "'.'"},
      {"shm://-flag", errc::invalid_name, "'-'"},
      {"pipe://" + too_long, errc::invalid_name, "128"},
      {"shm://" + too_long, errc::invalid_name, "128"},
      {"unix://" + too_long, errc::invalid_name, "128"},
      {"mailslot://*/" + too_long, errc::invalid_name, "128"},
      {"copydata://", errc::invalid_name, "empty"},
      {"copydata://a/b", errc::invalid_name, "/"},
      {"copydata://window/", errc::invalid_name, "class"},
      {"copydata://window//Title", errc::invalid_name, "class"},
      {"copydata://window/" + std::string(257, 'c'), errc::invalid_name, "256"},
      {"copydata://window/a%2", errc::invalid_name, "%"},
      {"copydata://window/a%zz", errc::invalid_name, "%"},
      {"copydata://window/a/b%00", errc::invalid_name, "NUL"},
      // An absolute unix path must fit in sockaddr_un (N1).
      {"unix:///" + std::string(200, 'p'), errc::invalid_name, "AF_UNIX"},
  };
  check_rejected(cases);
}

TEST_CASE("endpoint.is_valid_name_follows_the_grammar", "[endpoint][N1]") {
  CHECK(strait::is_valid_name("a"));
  CHECK(strait::is_valid_name("Az09._-"));
  CHECK(strait::is_valid_name(longest_name));
  CHECK(strait::is_valid_name("a..b"));
  CHECK_FALSE(strait::is_valid_name(""));
  CHECK_FALSE(strait::is_valid_name(longest_name + "n"));
  CHECK_FALSE(strait::is_valid_name(".a"));
  CHECK_FALSE(strait::is_valid_name("-a"));
  CHECK_FALSE(strait::is_valid_name(".."));
  CHECK_FALSE(strait::is_valid_name("a/b"));
  CHECK_FALSE(strait::is_valid_name("a b"));
  CHECK_FALSE(strait::is_valid_name("a:b"));
  CHECK_FALSE(strait::is_valid_name(std::string("a\0b", 3)));
}
