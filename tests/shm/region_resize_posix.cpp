// resize_shared_object on Linux: the object behind a mapping is found through
// /proc/self/maps, then by path (/dev/shm) or among our own descriptors
// (a memfd has no path to open), and resized with ftruncate.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "region_resize.hpp"

namespace strait::test {
namespace {

// The path /proc/self/maps gives for the mapping holding `address`.
std::string mapping_path(const void* address) {
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::uintptr_t start = 0, end = 0;
    if (std::sscanf(line.c_str(), "%" SCNxPTR "-%" SCNxPTR, &start, &end) != 2) continue;
    if (at < start || at >= end) continue;
    const auto slash = line.find('/');
    return slash == std::string::npos ? std::string() : line.substr(slash);
  }
  return {};
}

// A descriptor of ours whose link reads `path`, or -1.
int descriptor_for(const std::string& path) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return -1;
  int found = -1;
  while (const dirent* entry = ::readdir(dir)) {
    char target[512] = {};
    const std::string link = std::string("/proc/self/fd/") + entry->d_name;
    const auto n = ::readlink(link.c_str(), target, sizeof target - 1);
    if (n > 0 && path == std::string(target, static_cast<std::size_t>(n))) {
      found = ::dup(std::atoi(entry->d_name));
      break;
    }
  }
  ::closedir(dir);
  return found;
}

}  // namespace

resize_outcome resize_shared_object(const void* mapping,
                                    const std::string& /*locator: found by address*/,
                                    std::size_t new_size, std::string& why) {
  const std::string path = mapping_path(mapping);
  if (path.empty()) {
    why = "no mapping found";
    return resize_outcome::not_tried;
  }
  int fd = path.rfind("/dev/shm/", 0) == 0 ? ::open(path.c_str(), O_RDWR | O_CLOEXEC)
                                          : descriptor_for(path);
  if (fd < 0) {
    why = "cannot open " + path;
    return resize_outcome::not_tried;
  }
  const int result = ::ftruncate(fd, static_cast<off_t>(new_size));
  const int error = errno;
  ::close(fd);
  if (result != 0) {
    why = path + ": ftruncate: " + std::strerror(error);
    return resize_outcome::refused;
  }
  return resize_outcome::resized;
}

}  // namespace strait::test
