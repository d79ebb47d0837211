#include "pending_completions.hpp"

#include <mutex>
#include <vector>

namespace strait::detail {
namespace {

class completion_dropper final : public asio::execution_context::service {
 public:
  static inline asio::execution_context::id id;

  explicit completion_dropper(asio::execution_context& context) : service(context) {}

  void track(const std::weak_ptr<keeps_completions>& backend) {
    std::lock_guard hold(mutex_);
    std::erase_if(backends_, [](const auto& b) { return b.expired(); });
    backends_.push_back(backend);
  }

  void shutdown() override {
    std::vector<std::weak_ptr<keeps_completions>> backends;
    {
      std::lock_guard hold(mutex_);
      backends.swap(backends_);
    }
    // Outside our lock: dropping releases work, and a backend's own lock
    // may be held by a thread that is registering right now.
    for (const auto& weak : backends)
      if (const auto b = weak.lock()) b->drop_completions();
  }

 private:
  std::mutex mutex_;
  std::vector<std::weak_ptr<keeps_completions>> backends_;
};

}  // namespace

void drop_at_shutdown(asio::execution_context& context,
                      const std::weak_ptr<keeps_completions>& backend) {
  asio::use_service<completion_dropper>(context).track(backend);
}

}  // namespace strait::detail
