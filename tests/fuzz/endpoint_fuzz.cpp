// libFuzzer target for the endpoint URL parser (core/src/endpoint.cpp): URLs
// come from configuration, command lines and peers, and are validated before
// any system call (N1).
//
// The input is the URL. What must hold:
//
//   - a URL that parses gives an endpoint whose url() parses to the same
//     endpoint, and whose url() is then the same string (the canonical form
//     is a fixed point); its name fits the grammar (unix:///path and
//     copydata://window/CLASS aside), its
//     scheme is a known one, and no sentence of failure comes with it;
//   - a URL that does not parse gives invalid_argument or invalid_name, an
//     empty endpoint and a sentence saying why;
//   - the throwing overload throws exactly when the other one fails, with
//     the same error.
//
// A broken invariant prints what broke and traps (libFuzzer prints the URL).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <strait/endpoint.hpp>
#include <strait/error.hpp>

#include "fuzz_require.hpp"

namespace {

bool is_known_scheme(std::string_view scheme) {
  return scheme == "tcp" || scheme == "unix" || scheme == "pipe" || scheme == "mailslot" ||
         scheme == "shm" || scheme == "copydata";
}

void check_parsed(const strait::endpoint& ep) {
  FUZZ_REQUIRE(is_known_scheme(ep.scheme));
  const bool unix_path = ep.scheme == "unix" && ep.name.starts_with('/');
  // copydata://window/CLASS[/TITLE] names another program's window: any text.
  const bool copydata_window = ep.scheme == "copydata" && ep.host == "window";
  if (ep.scheme != "tcp" && !unix_path && !copydata_window)
    FUZZ_REQUIRE(strait::is_valid_name(ep.name));
  if (copydata_window) FUZZ_REQUIRE(!ep.name.empty());
  if (ep.scheme == "tcp") FUZZ_REQUIRE(ep.name.empty() && !ep.host.empty());
  if (ep.scheme != "tcp") FUZZ_REQUIRE(ep.port == 0);
  if (ep.scheme == "shm" || ep.scheme == "unix") FUZZ_REQUIRE(ep.host.empty());
  if (ep.scheme == "copydata") FUZZ_REQUIRE(ep.host.empty() || copydata_window);

  const std::string canonical = ep.url();
  std::error_code ec;
  std::string why;
  const strait::endpoint again = strait::parse_endpoint(canonical, ec, &why);
  FUZZ_REQUIRE(!ec);
  FUZZ_REQUIRE(why.empty());
  FUZZ_REQUIRE(again == ep);
  FUZZ_REQUIRE(again.url() == canonical);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  const std::string_view url(reinterpret_cast<const char*>(bytes), size);
  std::error_code ec;
  std::string why;
  const strait::endpoint ep = strait::parse_endpoint(url, ec, &why);
  if (ec) {
    FUZZ_REQUIRE(ec == strait::errc::invalid_argument || ec == strait::errc::invalid_name);
    FUZZ_REQUIRE(ep == strait::endpoint{});
    FUZZ_REQUIRE(!why.empty());
  } else {
    FUZZ_REQUIRE(why.empty());
    check_parsed(ep);
  }

  try {
    const strait::endpoint thrown = strait::parse_endpoint(url);
    FUZZ_REQUIRE(!ec);
    FUZZ_REQUIRE(thrown == ep);
  } catch (const std::system_error& e) {
    FUZZ_REQUIRE(e.code() == ec);
  }
  return 0;
}
