// The transports of the Windows platform (tcp:// lives in core).
#include <array>

#include "backend.hpp"
#include "mailslot_backend.hpp"
#include "pipe.hpp"

namespace strait::detail {

// shm:// is not served here yet: under Wine its listener teardown corrupts
// the heap now and then (issue 5's note); the code is portable and runs on POSIX.
std::span<const transport> platform_transports() noexcept {
  static const std::array all{
      transport{"pipe", pipe_connect, pipe_listen},
      transport{"mailslot", mailslot_connect, mailslot_listen},
  };
  return all;
}

}  // namespace strait::detail
