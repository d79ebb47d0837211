#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "child_platform.hpp"

namespace strait::test {

// The standard streams are the environment's (a test run may close stdin):
// what strait passes is descriptor 3 and nothing above it.
std::string inherited_descriptors() {
  // Probing every number: reading /proc/self/fd would open one more.
  std::string open;
  const long highest = ::sysconf(_SC_OPEN_MAX);
  for (int fd = STDERR_FILENO + 1; fd < (highest > 0 && highest < 65536 ? highest : 65536); ++fd)
    if (::fcntl(fd, F_GETFD) != -1) open += (open.empty() ? "" : " ") + std::to_string(fd);
  return open;
}

std::string expected_inherited_descriptors() { return "3"; }

void set_parent_channel_variable(const std::string& value) {
  std::string text = value;
  if (value == "file") text = std::to_string(::open("/dev/null", O_RDONLY));
  if (value == "unconnected") text = std::to_string(::socket(AF_UNIX, SOCK_STREAM, 0));
  ::setenv("STRAIT_PARENT_CHANNEL", text.c_str(), 1);
}

std::uint64_t own_process_id() { return static_cast<std::uint64_t>(::getpid()); }

}  // namespace strait::test
