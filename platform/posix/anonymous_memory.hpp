// Shared memory with no name, for one shm:// connection
// (shm_connection_memory.cpp). Its descriptor goes to the peer over the
// connection's socket, so nothing of it is left for a crash to leak (S2).
// STRAIT_SHM_MEMORY picks the file that implements it:
//   memfd     anonymous_memory_memfd.cpp (Linux): a memfd sealed against
//             shrinking and growing, so no peer can make our mapping fault (S6)
//   shm_open  anonymous_memory_shm_open.cpp (any POSIX): shm_open under a
//             random name, unlinked at once; a peer can still ftruncate it
#pragma once

#include <cstddef>
#include <system_error>

namespace strait::detail {

// A descriptor of fresh zeroed memory of `size` bytes, or -1 and ec.
int create_anonymous_memory(std::size_t size, std::error_code& ec) noexcept;

// S6: whether `fd`, received from a peer, is memory of exactly `size` bytes
// that nobody can resize (as far as this system can say); protocol_error if not.
std::error_code check_anonymous_memory(int fd, std::size_t size) noexcept;

}  // namespace strait::detail
