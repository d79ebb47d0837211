// Endpoint URLs: parsed and validated before any system call (N1).
//
//   tcp://HOST:PORT          HOST a name, an IPv4 address or [IPv6]; PORT 0-65535
//   unix:///absolute/path    a socket file at that path
//   unix://NAME              a socket file NAME in the per-user runtime directory
//   pipe://NAME              named pipe (pipe://SERVER/NAME for a remote one)
//   mailslot://NAME          mailslot (mailslot://*/NAME broadcast, mailslot://HOST/NAME)
//   shm://NAME               shared-memory channel
//   copydata://NAME          WM_COPYDATA to a strait reader (copydata.hpp)
//   copydata://window/CLASS[/TITLE]  WM_COPYDATA to any program's window (Windows);
//                            CLASS and TITLE are any text, '/' and '%' written %2F and %25
//
// NAME is the portable name grammar: 1 to 128 bytes of [A-Za-z0-9._-], not
// starting with '.' or '-'. Parsing only checks the form; whether a transport
// exists on this platform is decided by connect()/listen().
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <strait/export.hpp>

namespace strait {

inline constexpr std::size_t max_name_length = 128;

struct endpoint {
  std::string scheme;  // "tcp", "unix", "pipe", "mailslot", "shm", "copydata"
  std::string host;    // tcp host; pipe/mailslot server ("*" = broadcast); "window" for
                       // copydata://window/...; else empty
  std::uint16_t port = 0;  // tcp only
  std::string name;    // pipe/mailslot/shm/unix/copydata name, the unix absolute path,
                       // or copydata's CLASS[/TITLE] as written (escapes kept)

  // The canonical URL for this endpoint.
  STRAIT_API std::string url() const;

  friend bool operator==(const endpoint&, const endpoint&) = default;
};

// Parses `url`. On failure `ec` is errc::invalid_argument (malformed URL,
// unknown scheme) or errc::invalid_name (NAME outside the grammar), and
// `why`, when given, receives a sentence saying what is wrong.
STRAIT_API endpoint parse_endpoint(std::string_view url, std::error_code& ec,
                                   std::string* why = nullptr);

// Throwing overload: std::system_error whose what() says what is wrong.
STRAIT_API endpoint parse_endpoint(std::string_view url);

// True when `name` fits the portable name grammar.
STRAIT_API bool is_valid_name(std::string_view name) noexcept;

// The schemes connect() and listen() serve in this build, e.g. {"tcp", "unix", "pipe"}.
STRAIT_API std::vector<std::string_view> supported_schemes();

}  // namespace strait
