// named_event on POSIX: a "set" word in a shm_region; waiters sleep on
// the region's `wakes` word (wait_acquire.hpp).
//
// Manual reset: set stores 1 and wakes everyone; waiters return while it is 1.
// Automatic reset (S4): set stores 1 and wakes one; a waiter returns only by
// changing 1 to 0 itself, so exactly one waiter takes each set, synchronous
// or asynchronous. Two sets that come before any waiter took the first count
// once, as on Windows when no thread is waiting.
#include <atomic>
#include <climits>
#include <cstdint>
#include <memory>
#include <new>

#include "async_waits.hpp"
#include "named_objects.hpp"
#include "shm_region.hpp"
#include "wait_acquire.hpp"

namespace strait::detail {
namespace {

struct event_state {
  std::atomic<std::uint32_t> set;
  std::uint32_t manual;  // written once by the creator
  std::atomic<std::uint32_t> wakes;
};

struct posix_named_event final : named_event::impl {
  shm_region region;
  bool manual = false;  // copied once at open (S6)
  async_waits waits;    // last: its threads end before the region goes

  event_state& state() const noexcept { return *static_cast<event_state*>(region.payload()); }
  std::atomic<std::uint32_t>& wakes() const noexcept { return state().wakes; }

  std::error_code set() override {
    state().set.store(1, std::memory_order_release);
    announce(wakes(), manual ? INT_MAX : 1u);  // S4: one waiter, or all
    return {};
  }

  std::error_code reset() override {
    state().set.store(0, std::memory_order_release);
    return {};
  }

  std::error_code wait(deadline until) override { return acquire(until, nullptr); }

  void async_wait(wait_completion done, const asio::any_io_executor& ex) override {
    waits.start(std::make_unique<word_async_wait<posix_named_event>>(*this), std::move(done), ex);
  }

  void cancel() noexcept override { waits.cancel(); }

  std::error_code acquire(deadline until, wait_cancel* cancel) {
    auto& set_word = state().set;
    const auto is_set = [&set_word] { return set_word.load(std::memory_order_acquire) != 0; };
    if (manual) return detail::acquire(wakes(), until, cancel, is_set, is_set);
    const auto take = [&set_word] {
      std::uint32_t expected = 1;
      return set_word.compare_exchange_strong(expected, 0, std::memory_order_acquire,
                                              std::memory_order_relaxed);
    };
    return detail::acquire(wakes(), until, cancel, take, is_set);
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
  auto region = shm_region::open_state(kind_event, name, mode, sizeof(event_state), init, ec);
  if (!region) return nullptr;
  auto p = std::make_unique<posix_named_event>();
  p->manual = static_cast<const event_state*>(region->payload())->manual != 0;
  p->region = std::move(*region);
  p->name = name;
  p->created = p->region.created();
  return p;
}

}  // namespace strait::detail
