// A shm:// connection's memory on Windows (core/src/shm_connection.hpp): a
// file mapping and four auto-reset events under a fresh random name, which
// the hello carries. Windows deletes a named object with its last handle,
// crashed processes' handles included, so nothing outlives the connection's
// ends (S2); and a pagefile-backed section keeps the size it was created
// with (no call resizes it), so the peer cannot make our view fault (S6).
#include <array>
#include <atomic>
#include <cstring>
#include <random>
#include <string_view>

#include <fmt/format.h>

#include <strait/shared_memory.hpp>
#include <strait/sync.hpp>

#include "shm_connection.hpp"

namespace strait::detail::shm {
namespace {

// A name no other connection uses.
std::string fresh_connection_name() {
  static std::atomic<std::uint32_t> counter{0};
  std::random_device random;
  return fmt::format("strait-shm-{:08x}{:08x}{:08x}", random(), random(), counter++);
}

class win32_connection_memory final : public connection_memory {
 public:
  std::error_code create(const std::string& name, std::uint32_t ring_capacity) {
    std::error_code ec;
    region_ = shared_memory::create(name, region_size(ring_capacity), {}, ec);  // zeroed
    if (ec) return ec;
    use(ring_capacity);
    auto* header = reinterpret_cast<region_header*>(data_);
    std::memcpy(header->magic, region_magic, sizeof region_magic);
    header->capacity = ring_capacity;
    return open_events(name, true);
  }

  // S6: the server is another process; what it says is checked.
  std::error_code map(const std::string& locator, std::uint32_t ring_capacity) override {
    std::error_code ec;
    region_ = shared_memory::open(locator, {}, ec);
    if (ec) return ec;
    if (region_.size() < region_size(ring_capacity)) return make_error_code(errc::protocol_error);
    use(ring_capacity);
    return open_events(locator, false);
  }

  void set(int wake) noexcept override {
    std::error_code ignored;
    events_[static_cast<std::size_t>(wake)].set(ignored);
  }

  bool wait(int wake, deadline until, std::error_code& ec) noexcept override {
    const auto now = clock::now();
    if (until != no_deadline && now >= until) return false;
    const bool woken = events_[static_cast<std::size_t>(wake)].wait_for(
        until == no_deadline ? infinite : until - now, ec);
    if (ec == errc::timed_out) ec = {};
    return woken;
  }

 private:
  void use(std::uint32_t ring_capacity) noexcept {
    data_ = region_.data();
    capacity_ = ring_capacity;
  }

  std::error_code open_events(const std::string& name, bool create) {
    std::error_code ec;
    for (int r = 0; r < 2 && !ec; ++r) {
      const auto open_event = [&](int wake, std::string_view kind) {
        if (ec) return;
        const auto event_name = fmt::format("{}.{}{}", name, kind, r);
        events_[static_cast<std::size_t>(wake)] = create ? named_event::create(event_name, {}, ec)
                                                         : named_event::open(event_name, {}, ec);
      };
      open_event(data_wake(r), "d");
      open_event(space_wake(r), "s");
    }
    return ec;
  }

  shared_memory region_;
  std::array<named_event, wake_count> events_;
};

}  // namespace

std::unique_ptr<connection_memory> create_connection_memory(std::uint32_t ring_capacity,
                                                            std::string& locator,
                                                            std::error_code& ec) {
  auto memory = std::make_unique<win32_connection_memory>();
  locator = fresh_connection_name();
  if ((ec = memory->create(locator, ring_capacity))) return nullptr;
  return memory;
}

// The hello's name is all the client needs.
std::error_code offer_connection_memory(const connection_memory*, native_handle_type) {
  return {};
}

std::unique_ptr<connection_memory> receive_connection_memory(native_handle_type, deadline,
                                                             std::error_code& ec) {
  ec = {};
  return std::make_unique<win32_connection_memory>();
}

}  // namespace strait::detail::shm
