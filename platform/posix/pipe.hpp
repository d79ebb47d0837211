// pipe:// on POSIX: AF_UNIX stream sockets with strait's framing (C1, C3 hold
// exactly; SEQPACKET would truncate and macOS has none), named in the
// per-user runtime directory.
//
// Instance limit (C5): a listener with max_instances = N publishes the
// helper file "<socket>+slots" holding N; each client holds an flock on one
// of the files "<socket>+slot+<i>" for its connection's lifetime. All held means every
// instance is busy (pipe_busy). The kernel drops a dead client's lock, so
// crashed clients never leak an instance.
#pragma once

#include <string>
#include <string_view>

#include "backend.hpp"

namespace strait::detail {

// Helper-file roles (local_socket.hpp: socket_place::helper).
inline constexpr std::string_view pipe_slots_role = "slots";

inline std::string pipe_slot_role(std::size_t i) { return "slot+" + std::to_string(i); }

std::shared_ptr<channel_backend> pipe_connect(asio::io_context& io, const strait::endpoint& ep,
                                              const connect_options& options,
                                              std::error_code& ec);

std::shared_ptr<listener_backend> pipe_listen(asio::io_context& io, const strait::endpoint& ep,
                                              const listen_options& options,
                                              std::error_code& ec);

}  // namespace strait::detail
