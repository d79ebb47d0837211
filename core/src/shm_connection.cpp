// One shm:// connection's region and events (shm_connection.hpp).
#include "shm_connection.hpp"

#include <atomic>
#include <cstring>
#include <random>
#include <string_view>

#include <fmt/format.h>

namespace strait::detail::shm {

std::string fresh_connection_name() {
  static std::atomic<std::uint32_t> counter{0};
  std::random_device random;
  return fmt::format("strait-shm-{:08x}{:08x}{:08x}", random(), random(), counter++);
}

std::error_code connection_objects::create(const std::string& name, std::uint32_t ring_capacity,
                                           connection_objects& out) {
  std::error_code ec;
  out.capacity = ring_capacity;
  out.region = shared_memory::create(name, region_size(ring_capacity), {}, ec);  // zeroed
  if (ec) return ec;
  auto* header = reinterpret_cast<region_header*>(out.region.data());
  std::memcpy(header->magic, region_magic, sizeof region_magic);
  header->capacity = ring_capacity;
  return open_events(name, true, out);
}

std::error_code connection_objects::open(const std::string& name, std::uint32_t ring_capacity,
                                         connection_objects& out) {
  std::error_code ec;
  out.capacity = ring_capacity;
  out.region = shared_memory::open(name, {}, ec);
  if (ec) return ec;
  const auto* header = reinterpret_cast<const region_header*>(out.region.data());
  if (out.region.size() < region_size(ring_capacity) ||
      std::memcmp(header->magic, region_magic, sizeof region_magic) != 0)
    return make_error_code(errc::protocol_error);
  return open_events(name, false, out);
}

std::error_code connection_objects::open_events(const std::string& name, bool create,
                                                connection_objects& out) {
  std::error_code ec;
  const auto open_event = [&](named_event& event, std::string_view kind, int ring) {
    if (ec) return;
    const auto event_name = fmt::format("{}.{}{}", name, kind, ring);
    event = create ? named_event::create(event_name, {}, ec)
                   : named_event::open(event_name, {}, ec);
  };
  for (int r = 0; r < 2; ++r) {
    open_event(out.data[r], "d", r);
    open_event(out.space[r], "s", r);
  }
  return ec;
}

}  // namespace strait::detail::shm
