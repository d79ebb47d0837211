// The transports of the Windows platform (tcp:// lives in core).
#include <winsock2.h>

#include <afunix.h>

#include <array>

#include "backend.hpp"
#include "copydata_backend.hpp"
#include "mailslot_backend.hpp"
#include "pipe.hpp"
#include "shm_transport.hpp"

namespace strait::detail {

std::span<const transport> platform_transports() noexcept {
  static const std::array all{
      transport{"pipe", pipe_connect, pipe_listen},
      transport{"mailslot", mailslot_connect, mailslot_listen},
      shm_transport,
      transport{"copydata", copydata_connect, copydata_listen},
  };
  return all;
}

// unix:// is not a transport here, but its URLs parse as elsewhere.
std::size_t max_unix_socket_path() noexcept { return sizeof(sockaddr_un{}.sun_path) - 1; }

}  // namespace strait::detail
