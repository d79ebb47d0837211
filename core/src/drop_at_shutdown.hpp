// Receives that wait on a thread of strait's own (a mailslot helper, a
// copydata:// pump) rather than on the io_context, dropped when it shuts down.
//
// Destroying an io_context shuts its services down, and on Windows its
// scheduler then waits until no work is outstanding. Such a receive holds
// work (bind_completion) until a message comes, so a program that ended with
// io.stop() and one pending hung at exit (strait listen mailslot://...
// --count N did). At shutdown this service drops them, uncalled, as asio's
// own services drop their handlers.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include <asio/execution_context.hpp>

namespace strait::detail {

// State: take_waiting() returns the waiting completion (empty when none),
// under the state's own lock.
template <class State>
class drop_at_shutdown final : public asio::execution_context::service {
 public:
  static inline asio::execution_context::id id;

  explicit drop_at_shutdown(asio::execution_context& context) : service(context) {}

  void track(const std::shared_ptr<State>& state) {
    std::lock_guard hold(mutex_);
    std::erase_if(states_, [](const auto& weak) { return weak.expired(); });
    states_.push_back(state);
  }

  void shutdown() override {
    std::lock_guard hold(mutex_);
    for (const auto& weak : states_)
      if (const auto state = weak.lock()) {
        auto dropped = state->take_waiting();  // released here, outside the state's lock
      }
    states_.clear();
  }

 private:
  std::mutex mutex_;
  std::vector<std::weak_ptr<State>> states_;
};

}  // namespace strait::detail
