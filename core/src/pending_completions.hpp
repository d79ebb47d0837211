// Completions a backend keeps while it waits for something other than the
// io_context (a helper thread, the shm:// service thread), and drops when the
// io_context goes away.
//
// Destroying an io_context shuts its services down. On Windows asio's
// scheduler then waits until no work is outstanding, and a kept completion
// holds work (bind_completion) until its operation ends: a program that
// destroyed its io_context with such an operation pending never exited
// (`strait listen mailslot://X --count 1`, and shm://). Elsewhere the kept
// completion would release its work on a scheduler already gone. So, as
// asio's own services do with their handlers, a backend that keeps
// completions registers here, and at shutdown they are destroyed uncalled.
#pragma once

#include <memory>

#include <asio/execution_context.hpp>

namespace strait::detail {

class keeps_completions {
 public:
  // Destroys every completion kept for the io_context being shut down,
  // without calling it. Called once, from that io_context's destructor or
  // shutdown(); other threads of the backend may still run.
  virtual void drop_completions() noexcept = 0;

 protected:
  ~keeps_completions() = default;
};

// Registers `backend` with `context`'s drop-at-shutdown service. The service
// holds it weakly: a backend that is gone first is skipped.
void drop_at_shutdown(asio::execution_context& context,
                      const std::weak_ptr<keeps_completions>& backend);

}  // namespace strait::detail
