// named_event on POSIX: a "set" word in a shm_region; waiters sleep on it
// with a futex (futex.hpp).
//
// Manual reset: set stores 1 and wakes everyone; waiters return while it is 1.
// Automatic reset (S4): set stores 1 and wakes one; a waiter returns only by
// changing 1 to 0 itself, so exactly one waiter takes each set. Two sets that
// come before any waiter took the first count once, as on Windows when no
// thread is waiting.
#include <atomic>
#include <cstdint>
#include <new>

#include "futex.hpp"
#include "named_objects.hpp"
#include "shm_region.hpp"

namespace strait::detail {
namespace {

struct event_state {
  std::atomic<std::uint32_t> set;
  std::uint32_t manual;  // written once by the creator
};

struct posix_named_event final : named_event::impl {
  shm_region region;
  bool manual = false;  // copied once at open (S6)

  std::atomic<std::uint32_t>& word() const noexcept {
    return static_cast<event_state*>(region.payload())->set;
  }

  std::error_code set() override {
    word().store(1, std::memory_order_release);
    futex::wake(word(), manual ? 0x7fffffffu : 1u);
    return {};
  }

  std::error_code reset() override {
    word().store(0, std::memory_order_release);
    return {};
  }

  std::error_code wait(deadline until) override {
    auto& w = word();
    for (;;) {
      if (manual) {
        if (w.load(std::memory_order_acquire) != 0) return {};
      } else {
        std::uint32_t expected = 1;
        if (w.compare_exchange_strong(expected, 0, std::memory_order_acquire,
                                      std::memory_order_relaxed))
          return {};
      }
      if (!futex::wait(w, 0, until)) return make_error_code(errc::timed_out);
    }
  }
};

}  // namespace

std::unique_ptr<named_event::impl> open_named_event(open_mode mode, const std::string& name,
                                                    const event_options& options,
                                                    std::error_code& ec) {
  const auto init = [&options](void* where) {
    auto* s = new (where) event_state{};
    s->set.store(options.initially_set ? 1u : 0u);
    s->manual = options.reset == event_reset::manual ? 1u : 0u;
    return std::error_code{};
  };
  auto region = shm_region::open(kind_event, name, mode, sizeof(event_state), init, ec);
  if (!region) return nullptr;
  if (region->payload_size() < sizeof(event_state)) {
    ec = make_error_code(errc::protocol_error);  // S6
    return nullptr;
  }
  auto p = std::make_unique<posix_named_event>();
  p->manual = static_cast<const event_state*>(region->payload())->manual != 0;
  p->region = std::move(*region);
  p->name = name;
  p->created = p->region.created();
  return p;
}

}  // namespace strait::detail
