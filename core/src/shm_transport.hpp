// shm://NAME: messages through a pair of rings in shared memory, one region
// per connection (shm_transport.cpp). Built from the portable pieces, so the
// same code runs on every platform: pipe:// for connection setup and peer
// death, shared_memory for the rings, named_event for sleeping waiters.
#pragma once

#include "backend.hpp"

namespace strait::detail {

std::shared_ptr<channel_backend> shm_connect(asio::io_context& io, const strait::endpoint& ep,
                                             const connect_options& options,
                                             std::error_code& ec);

std::shared_ptr<listener_backend> shm_listen(asio::io_context& io, const strait::endpoint& ep,
                                             const listen_options& options, std::error_code& ec);

inline constexpr transport shm_transport{"shm", shm_connect, shm_listen};

}  // namespace strait::detail
