// The transports of the POSIX platform (tcp:// lives in core).
#include <array>

#include "backend.hpp"
#include "copydata_backend.hpp"
#include "mailslot_backend.hpp"
#include "pipe.hpp"
#include "shm_transport.hpp"
#include "unix_transport.hpp"

namespace strait::detail {

std::span<const transport> platform_transports() noexcept {
  static const std::array all{
      unix_transport,
      transport{"pipe", pipe_connect, pipe_listen},
      transport{"mailslot", mailslot_connect, mailslot_listen},
      shm_transport,
      transport{"copydata", copydata_connect, copydata_listen},
  };
  return all;
}

}  // namespace strait::detail
