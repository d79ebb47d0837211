// The shm:// handshake messages (shm_handshake.hpp).
#include "shm_handshake.hpp"

#include <charconv>
#include <vector>

#include <fmt/format.h>

#include <strait/endpoint.hpp>
#include <strait/error.hpp>

#include "shm_ring.hpp"

namespace strait::detail::shm {
namespace {

std::vector<std::string_view> words(std::string_view s) {
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

}  // namespace

std::string encode_hello(const hello& h) {
  return fmt::format("{} {} {} {}", hello_tag, h.region, h.capacity, h.max_message_size);
}

std::string encode_hello_error(std::error_code ec) {
  return fmt::format("{} error {}", hello_tag, static_cast<int>(to_errc(ec)));
}

std::string encode_reply(std::size_t max_message_size) {
  return fmt::format("ok {}", max_message_size);
}

// S6 for the handshake: the listener is another process.
std::error_code decode_hello(std::string_view text, hello& h) {
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

bool decode_reply(std::string_view text, std::size_t& max_message_size) {
  const auto w = words(text);
  return w.size() == 2 && w[0] == "ok" && parse_number(w[1], max_message_size) &&
         max_message_size != 0;
}

}  // namespace strait::detail::shm
