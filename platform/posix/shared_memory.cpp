// shared_memory on POSIX: a shm_region whose whole payload is the caller's.
#include "named_objects.hpp"
#include "shm_region.hpp"

namespace strait::detail {
namespace {

struct posix_shared_memory final : shared_memory::impl {
  shm_region region;
};

}  // namespace

std::unique_ptr<shared_memory::impl> open_shared_memory(open_mode mode, const std::string& name,
                                                        std::size_t size,
                                                        const object_options& /*scope: POSIX has one namespace per user*/,
                                                        std::error_code& ec) {
  // ftruncate zero-fills, which is the "bytes start zeroed" promise.
  auto region = shm_region::open(kind_shm, name, mode, size, {}, ec);
  if (!region) return nullptr;
  auto p = std::make_unique<posix_shared_memory>();
  p->region = std::move(*region);
  p->name = name;
  p->created = p->region.created();
  p->data = static_cast<std::byte*>(p->region.payload());
  p->size = p->region.payload_size();
  return p;
}

}  // namespace strait::detail
