// Anonymous memory on any POSIX system (anonymous_memory.hpp): shm_open under
// a random name, unlinked as soon as it is open. The name exists for
// microseconds, and only a process killed inside them leaves it behind (S2).
// Unlike a sealed memfd, the peer holding the descriptor can still resize
// the object, and a shrink makes our next access to the rings fault
// (docs/shared-memory.md says so).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include <fmt/format.h>

#include "anonymous_memory.hpp"
#include "backend.hpp"

namespace strait::detail {

int create_anonymous_memory(std::size_t size, std::error_code& ec) noexcept {
  std::random_device random;
  for (int attempt = 0; attempt < 8; ++attempt) {
    // At most 30 bytes: within macOS's limit (N1).
    const auto name = fmt::format("/st{}-c{:08x}{:06x}", ::geteuid(), random(), random() & 0xffffff);
    const int fd = ::shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) continue;
    if (fd < 0) break;
    ::shm_unlink(name.c_str());
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
      ec = last_system_error();
      ::close(fd);
      return -1;
    }
    return fd;
  }
  ec = last_system_error();
  return -1;
}

std::error_code check_anonymous_memory(int fd, std::size_t size) noexcept {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_uid != ::geteuid() ||
      static_cast<std::size_t>(st.st_size) != size)
    return make_error_code(errc::protocol_error);
  return {};
}

}  // namespace strait::detail
