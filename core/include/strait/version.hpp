#pragma once

#define STRAIT_VERSION_MAJOR 0
#define STRAIT_VERSION_MINOR 1
#define STRAIT_VERSION_PATCH 0

namespace strait {
inline constexpr const char* version_string = "0.1.0";
}
