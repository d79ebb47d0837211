#pragma once

#include "backend.hpp"

namespace strait::detail {

// tcp://HOST:PORT over asio, the same on every platform.
extern const transport tcp_transport;

}  // namespace strait::detail
