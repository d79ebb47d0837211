// The named mapping of the raw shared-memory rings on Windows (a pagefile-
// backed file mapping), and the spinning ring: the floor for shm://.
#include "raw_ring.hpp"
#include "raw_win32.hpp"

namespace strait::bench {
namespace {

std::string mapping_name(const std::string& name) { return "Local\\" + name; }

class win32_mapping final : public shared_mapping {
 public:
  explicit win32_mapping(win32_handle mapping) : mapping_(std::move(mapping)) {
    view_ = ::MapViewOfFile(mapping_.get(), FILE_MAP_ALL_ACCESS, 0, 0, 0);
    if (!view_) fail_win32("MapViewOfFile");
  }
  ~win32_mapping() override { ::UnmapViewOfFile(view_); }
  std::byte* data() noexcept override { return static_cast<std::byte*>(view_); }

 private:
  win32_handle mapping_;
  void* view_ = nullptr;
};

}  // namespace

std::unique_ptr<shared_mapping> create_mapping(const std::string& name, std::size_t size) {
  // A new mapping comes zero-filled and at its full size at once.
  win32_handle mapping(::CreateFileMappingA(
      INVALID_HANDLE_VALUE, nullptr, PAGE_READWRITE, static_cast<DWORD>(size >> 32),
      static_cast<DWORD>(size & 0xffffffffu), mapping_name(name).c_str()));
  if (!mapping.valid()) fail_win32("CreateFileMapping " + name);
  if (::GetLastError() == ERROR_ALREADY_EXISTS) fail_win32("CreateFileMapping " + name);
  return std::make_unique<win32_mapping>(std::move(mapping));
}

std::unique_ptr<shared_mapping> open_mapping(const std::string& name, std::size_t) {
  win32_handle mapping;
  retry_until_ready(
      [&] {
        mapping = win32_handle(
            ::OpenFileMappingA(FILE_MAP_ALL_ACCESS, FALSE, mapping_name(name).c_str()));
        return mapping.valid();
      },
      "OpenFileMapping " + name);
  return std::make_unique<win32_mapping>(std::move(mapping));
}

// The mapping goes away with its last handle: nothing to remove.
void remove_mapping_name(const std::string&) {}

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
