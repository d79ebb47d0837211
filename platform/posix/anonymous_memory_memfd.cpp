// Anonymous memory on Linux: a memfd, sealed (anonymous_memory.hpp).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "anonymous_memory.hpp"
#include "backend.hpp"

namespace strait::detail {
namespace {

// S6: the size is fixed for good. F_SEAL_SEAL so that nobody removes the
// others; writes stay allowed (the rings are written by both ends).
constexpr int required_seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

}  // namespace

int create_anonymous_memory(std::size_t size, std::error_code& ec) noexcept {
  const int fd = ::memfd_create("strait-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    ec = last_system_error();
    return -1;
  }
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0 ||
      ::fcntl(fd, F_ADD_SEALS, required_seals) != 0) {
    ec = last_system_error();
    ::close(fd);
    return -1;
  }
  return fd;
}

std::error_code check_anonymous_memory(int fd, std::size_t size) noexcept {
  // Not a memfd (a file the peer could truncate), or not sealed: refused.
  const int seals = ::fcntl(fd, F_GET_SEALS);
  struct stat st {};
  if (seals < 0 || (seals & required_seals) != required_seals || ::fstat(fd, &st) != 0 ||
      !S_ISREG(st.st_mode) || static_cast<std::size_t>(st.st_size) != size)
    return make_error_code(errc::protocol_error);
  return {};
}

}  // namespace strait::detail
