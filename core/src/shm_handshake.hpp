// The shm:// handshake over the control pipe (shm_transport.cpp): the
// listener sends "strait-shm/1 REGION CAPACITY MAX" (or "strait-shm/1 error
// CODE"), the client answers "ok MAX". Each side parses what the other
// process wrote (S6), here, apart from the pipes, so that
// tests/fuzz/shm_handshake_fuzz.cpp can feed the parsers anything.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <strait/endpoint.hpp>
#include <strait/error.hpp>

#include "shm_ring.hpp"

namespace strait::detail::shm {

inline constexpr std::string_view hello_tag = "strait-shm/1";

// What the listener's hello says.
struct hello {
  std::string region;
  std::uint32_t capacity = 0;
  std::size_t max_message_size = 0;
};

inline std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    const auto space = s.find(' ');
    out.push_back(s.substr(0, space));
    if (space == std::string_view::npos) break;
    s.remove_prefix(space + 1);
  }
  return out;
}

template <class Int>
bool parse_number(std::string_view s, Int& out) {
  const auto [end, e] = std::from_chars(s.data(), s.data() + s.size(), out);
  return e == std::errc{} && end == s.data() + s.size();
}

// The client's side: the listener is another process. Its error, or
// protocol_error for anything that is not a hello.
inline std::error_code parse_hello(std::string_view text, hello& h) {
  const auto w = words(text);
  if (w.size() == 3 && w[0] == hello_tag && w[1] == "error") {
    int code = 0;
    if (parse_number(w[2], code) && code > 0 && code <= static_cast<int>(errc::io_error))
      return make_error_code(static_cast<errc>(code));
  }
  if (w.size() != 4 || w[0] != hello_tag || !is_valid_name(w[1]) ||
      !parse_number(w[2], h.capacity) || !valid_capacity(h.capacity) ||
      !parse_number(w[3], h.max_message_size) || h.max_message_size == 0)
    return make_error_code(errc::protocol_error);
  h.region = std::string(w[1]);
  return {};
}

// The listener's side: "ok MAX" from the client, MAX > 0; false for anything else.
inline bool parse_reply(std::string_view text, std::size_t& client_max) {
  const auto w = words(text);
  return w.size() == 2 && w[0] == "ok" && parse_number(w[1], client_max) && client_max > 0;
}

}  // namespace strait::detail::shm
