// Asynchronous waits on a named event or semaphore (sync.hpp). Neither OS
// can hand such a wait to the io_context without a risk of consuming a set or
// a count that a cancel should have left alone (docs/shared-memory.md), so
// each pending wait is one thread parked in the platform's own blocking wait
// (a futex on Linux, WaitForMultipleObjects on Windows) that can be
// interrupted; when it returns, the thread hands the result to the handler's
// executor and ends.
//
// The platform says how to wait and how to interrupt (platform/<os>/
// named_event.cpp, named_semaphore.cpp); this class owns the threads: cancel
// interrupts them, close (and the destructor) interrupts and joins them, so
// no thread outlives the object it waits on.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include <asio/any_io_executor.hpp>

#include <strait/detail/completion.hpp>

namespace strait::detail {

// What an asynchronous wait completes (sync.hpp: void(std::error_code)).
using wait_completion = completion<void(std::error_code)>;

class async_waits {
 public:

  // One blocking wait on one object.
  class wait {
   public:
    virtual ~wait() = default;
    // Blocks until this wait took the signal (success) or was interrupted
    // (operation_aborted, nothing taken), or the OS failed.
    virtual std::error_code run() = 0;
    // Makes run() return operation_aborted unless it has already taken the
    // signal. Once it returns, run() takes nothing any more: a set or a count
    // that comes later is left for the next waiter (S4, S5). Thread-safe,
    // idempotent, fine after run() returned.
    virtual void interrupt() noexcept = 0;
  };

  async_waits() = default;
  async_waits(const async_waits&) = delete;
  async_waits& operator=(const async_waits&) = delete;
  ~async_waits() { close(); }

  // Runs `w` on a thread of its own; `done` gets its result. Never calls
  // `done` from inside: a thread that cannot start is resource_exhausted,
  // posted to `ex`.
  void start(std::unique_ptr<wait> w, wait_completion done, const asio::any_io_executor& ex);

  // Interrupts every pending wait: each completes with operation_aborted,
  // unless it took its signal before.
  void cancel() noexcept;

  // cancel(), then waits for every thread to end (their completions are
  // posted by then).
  void close() noexcept;

  // Posts `done(ec)` to `ex`: the way to fail an async wait before it starts.
  static void post_error(wait_completion done, std::error_code ec,
                         const asio::any_io_executor& ex);

 private:
  struct entry {
    entry() = default;
    entry(const entry&) = delete;
    entry& operator=(const entry&) = delete;
    ~entry();  // joins the thread (detaches it when it is the caller's own)

    std::unique_ptr<wait> w;
    wait_completion done;  // moved out by the thread before it waits
    std::thread thread;
    bool finished = false;  // run() returned; the thread no longer touches *this
  };

  // Moves the entries whose wait returned into `ended` (joined by the
  // caller, outside mutex_: each is at most posting its completion).
  void take_finished(std::list<entry>& ended);

  std::mutex mutex_;
  std::list<entry> entries_;  // a list: entries do not move while their thread runs
};

}  // namespace strait::detail
