// The platform side of list_local_endpoints() (strait/discovery.hpp):
// platform/<os>/endpoint_listing.cpp finds the names, the helpers here turn
// them into entries the same way on every platform.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <strait/discovery.hpp>

namespace strait::detail {

// Everything the platform lists, in any order.
std::vector<local_endpoint> platform_local_endpoints(std::error_code& ec);

// The entry of a channel endpoint of `scheme` ("pipe", "unix", "mailslot")
// named `name`. A pipe named for a shm:// listener's control pipe is that
// shm:// listener (shm_service.hpp).
local_endpoint listed_channel(std::string_view scheme, std::string_view name);

// The entry of a named object whose native name has kind part `kind`
// ("shm", "mutex", "sem", "event": named_objects.hpp); nullopt for another.
std::optional<local_endpoint> listed_object(std::string_view kind, std::string_view name);

}  // namespace strait::detail
