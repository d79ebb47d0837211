#pragma once

#include "backend.hpp"

namespace strait::detail {

extern const transport unix_transport;

}  // namespace strait::detail
