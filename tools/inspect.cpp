#include "inspect.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include <strait/strait.hpp>

using namespace std::chrono_literals;

namespace strait::tool {
namespace {

std::string_view state_name(endpoint_state state) {
  return state == endpoint_state::live ? "live" : "stale";
}

// A JSON string. Names are ASCII by the grammar (N1); escaping the rest
// keeps the output valid whatever a file name holds.
std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json_pid(const std::optional<std::uint64_t>& pid) {
  return pid ? std::to_string(*pid) : "null";
}

void print_json(const std::vector<local_endpoint>& listed) {
  fmt::print("[");
  const char* separator = "\n";
  for (const auto& e : listed) {
    fmt::print("{}  {{\"url\": {}, \"kind\": {}, \"name\": {}, \"pid\": {}, \"state\": \"{}\"}}",
               separator, e.url.empty() ? "null" : json_string(e.url), json_string(e.kind),
               json_string(e.name), json_pid(e.pid), state_name(e.state));
    separator = ",\n";
  }
  fmt::print("{}]\n", listed.empty() ? "" : "\n");
}

void print_table(const std::vector<local_endpoint>& listed) {
  fmt::print("{:<6} {:>8}  {:<16} {}\n", "STATE", "PID", "KIND", "ENDPOINT");
  for (const auto& e : listed)
    fmt::print("{:<6} {:>8}  {:<16} {}\n", state_name(e.state),
               e.pid ? std::to_string(*e.pid) : "-", e.kind, e.url.empty() ? e.name : e.url);
}

std::string_view yes_no(bool b) { return b ? "yes" : "no"; }

}  // namespace

int list_endpoints(bool json) {
  const auto listed = list_local_endpoints();
  if (json)
    print_json(listed);
  else
    print_table(listed);
  return 0;
}

int show_info(const std::string& url) {
  asio::io_context io;  // the blocking calls do not run it
  const channel ch = connect(io, url, {.timeout = 5s});
  const auto caps = ch.capabilities();
  const auto peer = ch.peer();
  fmt::print("url               {}\n", ch.endpoint());
  fmt::print("can_send          {}\n", yes_no(caps.can_send));
  fmt::print("can_receive       {}\n", yes_no(caps.can_receive));
  fmt::print("reliable          {}\n", yes_no(caps.reliable));
  fmt::print("ordered           {}\n", yes_no(caps.ordered));
  fmt::print("cross_machine     {}\n", yes_no(caps.cross_machine));
  fmt::print("broadcast         {}\n", yes_no(caps.broadcast));
  fmt::print("max_message_size  {}\n", caps.max_message_size);
  fmt::print("peer_pid          {}\n", peer.pid ? std::to_string(*peer.pid) : "-");
  fmt::print("peer_uid          {}\n", peer.uid ? std::to_string(*peer.uid) : "-");
  fmt::print("peer_user         {}\n", peer.user.empty() ? "-" : peer.user);
  fmt::print("peer_address      {}\n", peer.address.empty() ? "-" : peer.address);
  return 0;
}

}  // namespace strait::tool
