// shm://NAME: messages through a pair of rings in shared memory, one region
// per connection. pipe:// carries the connection's setup and tells of the
// peer's death; the connection's memory and wake-ups are the platform's
// (shm_connection.hpp). One role per file: shm_listener.cpp,
// shm_connect.cpp, shm_handshake.cpp (the hello and its answer),
// shm_channel.cpp (the rings as a channel), shm_service.cpp (the thread that
// drives the pipes), platform/<os>/shm_connection_memory.cpp.
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
