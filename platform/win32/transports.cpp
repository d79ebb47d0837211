// The transports of the Windows platform (tcp:// lives in core).
#include "backend.hpp"

namespace strait::detail {

std::span<const transport> platform_transports() noexcept { return {}; }

}  // namespace strait::detail
