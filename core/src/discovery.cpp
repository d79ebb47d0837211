// list_local_endpoints(): the platform's names (platform/<os>/
// endpoint_listing.cpp) turned into entries, sorted.
#include <strait/discovery.hpp>

#include <algorithm>
#include <tuple>

#include <strait/endpoint.hpp>

#include "backend.hpp"
#include "discovery_backend.hpp"
#include "named_objects.hpp"
#include "shm_service.hpp"

namespace strait {
namespace detail {

local_endpoint listed_channel(std::string_view scheme, std::string_view name) {
  local_endpoint e;
  e.kind = scheme;
  e.name = name;
  if (scheme == "pipe" && name.starts_with(shm::control_pipe_prefix)) {
    e.kind = "shm";
    e.name = name.substr(shm::control_pipe_prefix.size());
  }
  // A hashed name (N1) is not a NAME: no URL reaches it by that spelling.
  if (is_valid_name(e.name)) e.url = e.kind + "://" + e.name;
  return e;
}

std::optional<local_endpoint> listed_object(std::string_view kind, std::string_view name) {
  const char* what = kind == kind_shm         ? "shared_memory"
                     : kind == kind_mutex     ? "named_mutex"
                     : kind == kind_semaphore ? "named_semaphore"
                     : kind == kind_event     ? "named_event"
                                              : nullptr;
  if (!what || !is_valid_name(name)) return std::nullopt;
  local_endpoint e;
  e.kind = what;
  e.name = name;
  return e;
}

}  // namespace detail

std::vector<local_endpoint> list_local_endpoints(std::error_code& ec) {
  auto listed = detail::platform_local_endpoints(ec);
  if (ec) return {};
  std::sort(listed.begin(), listed.end(), [](const auto& a, const auto& b) {
    return std::tie(a.kind, a.name) < std::tie(b.kind, b.name);
  });
  return listed;
}

std::vector<local_endpoint> list_local_endpoints() {
  std::error_code ec;
  auto listed = list_local_endpoints(ec);
  if (ec) {
    const auto note = detail::take_failure_note();  // which directory, whose (12.9)
    throw std::system_error(ec, note.empty() ? "cannot list the local endpoints"
                                             : "cannot list the local endpoints: " + note);
  }
  return listed;
}

}  // namespace strait
