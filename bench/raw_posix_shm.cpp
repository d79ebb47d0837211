// The named mapping of the raw shared-memory rings on POSIX (shm_open), and
// the spinning ring: the floor for shm://.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "raw_ring.hpp"

namespace strait::bench {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw bench_error(fmt::format("{}: {}", what, std::strerror(errno)));
}

class posix_mapping final : public shared_mapping {
 public:
  posix_mapping(int fd, std::size_t size) : size_(size) {
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) fail("mmap");
    data_ = static_cast<std::byte*>(p);
  }
  ~posix_mapping() override { ::munmap(data_, size_); }
  std::byte* data() noexcept override { return data_; }

 private:
  std::byte* data_ = nullptr;
  std::size_t size_;
};

// shm_open names: a leading slash and nothing else (macOS: at most 31 bytes).
std::string shm_name(const std::string& name) { return "/" + name; }

}  // namespace

std::unique_ptr<shared_mapping> create_mapping(const std::string& name, std::size_t size) {
  const int fd = ::shm_open(shm_name(name).c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0) fail("shm_open " + name);
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    const int error = errno;
    ::close(fd);
    ::shm_unlink(shm_name(name).c_str());
    errno = error;
    fail("ftruncate");
  }
  return std::make_unique<posix_mapping>(fd, size);
}

std::unique_ptr<shared_mapping> open_mapping(const std::string& name, std::size_t size) {
  int fd = -1;
  retry_until_ready(
      [&] {  // not there yet, or not yet at its full size
        fd = ::shm_open(shm_name(name).c_str(), O_RDWR, 0600);
        if (fd < 0) return false;
        struct stat st {};
        if (::fstat(fd, &st) == 0 && static_cast<std::size_t>(st.st_size) >= size) return true;
        ::close(fd);
        return false;
      },
      "shm_open " + name);
  return std::make_unique<posix_mapping>(fd, size);
}

void remove_mapping_name(const std::string& name) { ::shm_unlink(shm_name(name).c_str()); }

namespace {

[[maybe_unused]] const bool registered = register_mechanism({
    .name = "raw shm spin",
    .kind = family::raw,
    .baseline_for = {{"strait shm"}},
    .make_address = fresh_name,
    .serve = serve_ring<spin_wait>,
    .connect = connect_ring<spin_wait>,
});

}  // namespace
}  // namespace strait::bench
