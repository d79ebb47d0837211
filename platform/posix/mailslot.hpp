// mailslot:// on POSIX: one AF_UNIX datagram socket per mailslot, bound by
// the reader in the per-user runtime directory (0700; the socket 0600, N2).
// Datagrams keep message boundaries themselves; writers connect() to the
// reader's socket, so a full queue blocks them (never a silent drop).
//
// Helper files beside the socket "<dir>/mailslot.NAME" (local_socket.hpp):
//   +lock  the reader's flock: one reader per name (M2), dropped by a crash
//   +max   the reader's maximum message size, in decimal, for writers (M3)
#pragma once

#include <cstddef>
#include <string_view>

namespace strait::detail {

inline constexpr std::string_view mailslot_max_role = "max";

// Kernel buffer room a datagram of `size` bytes needs beyond its payload.
inline constexpr std::size_t datagram_overhead = 1024;

}  // namespace strait::detail
