// strait's own transports as a mechanism (strait_link.cpp).
#pragma once

#include <string>
#include <string_view>

#include "mechanism.hpp"

namespace strait::bench {

// The mechanism name under which every strait URL is served (`--serve strait URL`).
inline constexpr std::string_view strait_mechanism_name = "strait";

// A URL of `scheme` nobody else uses, on this machine: tcp://127.0.0.1:PORT
// with a free port, otherwise SCHEME://NAME with a fresh name.
std::string default_strait_url(std::string_view scheme);

}  // namespace strait::bench
