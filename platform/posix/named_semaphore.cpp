// named_semaphore on POSIX: a count and its maximum in a shm_region; waiters
// sleep on the region's `wakes` word (wait_acquire.hpp).
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <new>

#include "async_waits.hpp"
#include "named_objects.hpp"
#include "shm_region.hpp"
#include "wait_acquire.hpp"

namespace strait::detail {
namespace {

struct semaphore_state {
  std::atomic<std::uint32_t> count;
  std::uint32_t maximum;  // written once by the creator
  std::atomic<std::uint32_t> wakes;
};

struct posix_named_semaphore final : named_semaphore::impl {
  shm_region region;
  std::uint32_t maximum = 0;  // copied once, checked: a peer cannot change ours (S6)
  async_waits waits;          // last: its threads end before the region goes

  semaphore_state& state() const noexcept {
    return *static_cast<semaphore_state*>(region.payload());
  }
  std::atomic<std::uint32_t>& wakes() const noexcept { return state().wakes; }

  std::error_code acquire(deadline until) override { return acquire(until, nullptr); }

  std::error_code release(std::uint32_t n, std::uint32_t& previous) override {
    auto& count = state().count;
    std::uint32_t c = count.load(std::memory_order_relaxed);
    do {
      // S5: past the maximum, nothing changes (Windows ERROR_TOO_MANY_POSTS).
      if (c > maximum || n > maximum - c)
        return make_error_code(errc::resource_exhausted, EOVERFLOW);
    } while (!count.compare_exchange_weak(c, c + n, std::memory_order_release,
                                          std::memory_order_relaxed));
    previous = c;
    announce(wakes(), n);
    return {};
  }

  void async_acquire(wait_completion done, const asio::any_io_executor& ex) override {
    waits.start(std::make_unique<word_async_wait<posix_named_semaphore>>(*this), std::move(done),
                ex);
  }

  void cancel() noexcept override { waits.cancel(); }

  std::error_code acquire(deadline until, wait_cancel* cancel) {
    auto& count = state().count;
    const auto take = [&count] {
      std::uint32_t c = count.load(std::memory_order_relaxed);
      while (c > 0) {
        if (count.compare_exchange_weak(c, c - 1, std::memory_order_acquire,
                                        std::memory_order_relaxed))
          return true;
      }
      return false;
    };
    const auto available = [&count] { return count.load(std::memory_order_relaxed) > 0; };
    return detail::acquire(wakes(), until, cancel, take, available);
  }
};

}  // namespace

std::unique_ptr<named_semaphore::impl> open_named_semaphore(open_mode mode,
                                                            const std::string& name,
                                                            const semaphore_options& options,
                                                            std::error_code& ec) {
  const auto init = [&options](void* where) {
    auto* s = new (where) semaphore_state{};
    s->count.store(options.initial_count);
    s->maximum = options.maximum_count;
    return std::error_code{};
  };
  auto region =
      shm_region::open_state(kind_semaphore, name, mode, sizeof(semaphore_state), init, ec);
  if (!region) return nullptr;
  const auto* s = static_cast<const semaphore_state*>(region->payload());
  if (s->maximum < 1 || s->maximum > 0x7fffffffu) {
    ec = make_error_code(errc::protocol_error);  // S6
    return nullptr;
  }
  auto p = std::make_unique<posix_named_semaphore>();
  p->maximum = s->maximum;
  p->region = std::move(*region);
  p->name = name;
  p->created = p->region.created();
  return p;
}

}  // namespace strait::detail
