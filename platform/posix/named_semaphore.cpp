// named_semaphore on POSIX: a count and its maximum in a shm_region; waiters
// sleep on the count with a futex (futex.hpp).
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <new>

#include "futex.hpp"
#include "named_objects.hpp"
#include "shm_region.hpp"

namespace strait::detail {
namespace {

struct semaphore_state {
  std::atomic<std::uint32_t> count;
  std::uint32_t maximum;  // written once by the creator
};

struct posix_named_semaphore final : named_semaphore::impl {
  shm_region region;
  std::uint32_t maximum = 0;  // copied once, checked: a peer cannot change ours (S6)

  semaphore_state& state() const noexcept {
    return *static_cast<semaphore_state*>(region.payload());
  }

  std::error_code acquire(deadline until) override {
    auto& count = state().count;
    for (;;) {
      std::uint32_t c = count.load(std::memory_order_relaxed);
      while (c > 0) {
        if (count.compare_exchange_weak(c, c - 1, std::memory_order_acquire,
                                        std::memory_order_relaxed))
          return {};
      }
      if (!futex::wait(count, 0, until)) return make_error_code(errc::timed_out);
    }
  }

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
    futex::wake(count, n);
    return {};
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
  auto region = shm_region::open(kind_semaphore, name, mode, sizeof(semaphore_state), init, ec);
  if (!region) return nullptr;
  const auto* s = static_cast<const semaphore_state*>(region->payload());
  if (region->payload_size() < sizeof(semaphore_state) || s->maximum < 1 ||
      s->maximum > 0x7fffffffu) {
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
