// shared_memory on Windows: a pagefile-backed file mapping. Windows gives
// the lifetime of S2 itself (the mapping lives while a handle or view is
// open, crashes included).
//
// The creator's size is kept in a small header before the caller's bytes:
// a view of an opened mapping only tells its size rounded up to pages. A
// per-name guard mutex makes create-and-write-header one step for openers.
#include <cstring>
#include <limits>

#include "named_object.hpp"

namespace strait::detail {
namespace {

struct region_header {
  std::uint64_t magic;
  std::uint64_t payload_size;
};
constexpr std::uint64_t header_magic = 0x31306d6873746973;  // "sitshm01"
constexpr std::size_t header_size = 64;                      // keeps the payload 64-byte aligned

struct win32_shared_memory final : shared_memory::impl {
  unique_handle mapping;
  void* view = nullptr;
  ~win32_shared_memory() override {
    if (view) ::UnmapViewOfFile(view);
  }
};

// Holds the guard mutex of one region name for the length of a create/open.
class guard {
 public:
  guard(const std::string& name, const object_options& options, std::error_code& ec) {
    bool created = false;
    handle_ = create_or_open_object(
        open_mode::create_or_open, native_object_name("shm-guard", name, options),
        [](SECURITY_ATTRIBUTES* sa, const wchar_t* n) { return ::CreateMutexW(sa, FALSE, n); },
        [](const wchar_t*) { return HANDLE{}; }, created, ec);
    if (ec) return;
    ec = wait_for_object(handle_.get(), no_deadline);
    if (ec == errc::abandoned) ec = {};  // a crashed creator's mapping died with it
    locked_ = !ec;
  }
  ~guard() {
    if (locked_) ::ReleaseMutex(handle_.get());
  }
  guard(const guard&) = delete;
  guard& operator=(const guard&) = delete;

 private:
  unique_handle handle_;
  bool locked_ = false;
};

}  // namespace

std::unique_ptr<shared_memory::impl> open_shared_memory(open_mode mode, const std::string& name,
                                                        std::size_t size,
                                                        const object_options& options,
                                                        std::error_code& ec) {
  if (mode != open_mode::open && size > std::numeric_limits<std::uint64_t>::max() - header_size) {
    ec = make_error_code(errc::invalid_argument);
    return nullptr;
  }
  const guard held(name, options, ec);
  if (ec) return nullptr;

  const std::uint64_t total = static_cast<std::uint64_t>(size) + header_size;
  auto p = std::make_unique<win32_shared_memory>();
  p->mapping = create_or_open_object(
      mode, native_object_name(kind_shm, name, options),
      [total](SECURITY_ATTRIBUTES* sa, const wchar_t* n) {
        return ::CreateFileMappingW(INVALID_HANDLE_VALUE, sa, PAGE_READWRITE,
                                    static_cast<DWORD>(total >> 32),
                                    static_cast<DWORD>(total & 0xffffffffu), n);
      },
      [](const wchar_t* n) {
        return ::OpenFileMappingW(FILE_MAP_READ | FILE_MAP_WRITE | READ_CONTROL, FALSE, n);
      },
      p->created, ec);
  if (ec) return nullptr;

  p->view = ::MapViewOfFile(p->mapping.get(), FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, 0);
  MEMORY_BASIC_INFORMATION info{};
  if (!p->view || ::VirtualQuery(p->view, &info, sizeof info) == 0) {
    ec = last_system_error();
    return nullptr;
  }
  auto* header = static_cast<region_header*>(p->view);
  if (p->created) {
    header->payload_size = size;
    header->magic = header_magic;
  } else {
    // S6: the header is believed only within what the view holds.
    if (info.RegionSize < header_size || header->magic != header_magic ||
        header->payload_size > info.RegionSize - header_size) {
      ec = make_error_code(errc::protocol_error);
      return nullptr;
    }
    if (mode == open_mode::create_or_open && header->payload_size < size) {
      ec = make_error_code(errc::invalid_argument);
      return nullptr;
    }
  }
  p->name = name;
  p->data = static_cast<std::byte*>(p->view) + header_size;  // zeroed by the system
  p->size = static_cast<std::size_t>(header->payload_size);
  ec = {};
  return p;
}

}  // namespace strait::detail
