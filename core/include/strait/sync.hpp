// Named synchronization objects shared between processes: named_mutex,
// named_semaphore, named_event. The Windows kernel objects on Windows; on
// POSIX, process-shared primitives in a small shared-memory region with the
// same lifetime as shared_memory (S2: gone once the last handle closes).
//
// Every wait takes a timeout measured on a monotonic clock; a wait that runs
// out fails with errc::timed_out and changes nothing. strait::infinite waits
// forever. Each call has an std::error_code overload and a throwing one
// (std::system_error).
//
// named_event::async_wait and named_semaphore::async_acquire wait on an
// io_context instead, with any asio completion token. Each pending one parks
// a thread of this process in the OS's own wait (docs/shared-memory.md, "Async
// waits"), so they suit a handful of objects, not thousands.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/io_context.hpp>

#include <strait/channel.hpp>  // duration, infinite
#include <strait/detail/completion.hpp>
#include <strait/export.hpp>
#include <strait/named_object.hpp>

namespace strait {

// A mutex owned by one thread at a time, recursive like a Windows mutex.
//
// S3: when the owner dies holding it (process killed, thread ended), the next
// locker gets errc::abandoned TOGETHER WITH the lock. The error_code forms
// set ec = abandoned and return owning it; the throwing forms throw a
// std::system_error with that code, also owning it: catch it, repair what the
// dead owner left half-done, then unlock(). Later lockers see no error.
//
// There is no async_lock: ownership belongs to a thread on both platforms,
// and an asynchronous lock would be taken by a helper thread (a Windows pool
// or wait thread, a POSIX wait thread). That thread would own it, not the
// handler's (unlock fails with access_denied), and its end would abandon the
// mutex (WAIT_ABANDONED, EOWNERDEAD). Asynchronous code that needs mutual
// exclusion uses a named_semaphore with maximum_count 1 (any thread may
// release it) or an automatic named_event.
class named_mutex {
 public:
  STRAIT_API named_mutex() noexcept;
  STRAIT_API named_mutex(named_mutex&&) noexcept;
  STRAIT_API named_mutex& operator=(named_mutex&&) noexcept;
  STRAIT_API ~named_mutex();  // does not unlock: a handle closed while locked abandons it

  STRAIT_API static named_mutex create(std::string_view name, const object_options& options = {});
  STRAIT_API static named_mutex create(std::string_view name, const object_options& options,
                                       std::error_code& ec);
  STRAIT_API static named_mutex open(std::string_view name, const object_options& options = {});
  STRAIT_API static named_mutex open(std::string_view name, const object_options& options,
                                     std::error_code& ec);
  STRAIT_API static named_mutex create_or_open(std::string_view name,
                                               const object_options& options = {});
  STRAIT_API static named_mutex create_or_open(std::string_view name, const object_options& options,
                                               std::error_code& ec);

  STRAIT_API void lock();
  STRAIT_API void lock(std::error_code& ec);
  // False when another owner holds it (no error).
  STRAIT_API bool try_lock();
  STRAIT_API bool try_lock(std::error_code& ec);
  // False when `timeout` passed first (ec = timed_out in the ec form).
  STRAIT_API bool try_lock_for(duration timeout);
  STRAIT_API bool try_lock_for(duration timeout, std::error_code& ec);
  // Not the owner: access_denied (Windows ERROR_NOT_OWNER, POSIX EPERM).
  STRAIT_API void unlock();
  STRAIT_API void unlock(std::error_code& ec);

  STRAIT_API bool is_open() const noexcept;
  STRAIT_API bool created() const noexcept;
  STRAIT_API const std::string& name() const noexcept;
  STRAIT_API void close() noexcept;

  struct impl;  // platform/<os>/named_mutex*.cpp

 private:
  explicit named_mutex(std::unique_ptr<impl> p) noexcept;
  std::unique_ptr<impl> impl_;
};

struct semaphore_options : object_options {
  std::uint32_t initial_count = 0;
  std::uint32_t maximum_count = 1;  // 1 to 0x7fffffff; initial_count <= maximum_count
};

// A counting semaphore (S5): acquire takes one, release gives back; the count
// never passes its maximum.
class named_semaphore {
 public:
  STRAIT_API named_semaphore() noexcept;
  STRAIT_API named_semaphore(named_semaphore&&) noexcept;
  STRAIT_API named_semaphore& operator=(named_semaphore&&) noexcept;
  STRAIT_API ~named_semaphore();

  // Counts that do not fit the limits above fail with invalid_argument.
  STRAIT_API static named_semaphore create(std::string_view name,
                                           const semaphore_options& options = {});
  STRAIT_API static named_semaphore create(std::string_view name, const semaphore_options& options,
                                           std::error_code& ec);
  // The counts of the existing semaphore apply; options only give the scope.
  STRAIT_API static named_semaphore open(std::string_view name, const object_options& options = {});
  STRAIT_API static named_semaphore open(std::string_view name, const object_options& options,
                                         std::error_code& ec);
  STRAIT_API static named_semaphore create_or_open(std::string_view name,
                                                   const semaphore_options& options = {});
  STRAIT_API static named_semaphore create_or_open(std::string_view name,
                                                   const semaphore_options& options,
                                                   std::error_code& ec);

  STRAIT_API void acquire();
  STRAIT_API void acquire(std::error_code& ec);
  STRAIT_API bool try_acquire();
  STRAIT_API bool try_acquire(std::error_code& ec);
  STRAIT_API bool try_acquire_for(duration timeout);
  STRAIT_API bool try_acquire_for(duration timeout, std::error_code& ec);

  // Adds `count` (>= 1) and returns the count before. S5: a release that would
  // pass the maximum changes nothing and fails with errc::resource_exhausted
  // (Windows ERROR_TOO_MANY_POSTS 298, POSIX EOVERFLOW kept as native value).
  STRAIT_API std::uint32_t release(std::uint32_t count = 1);
  STRAIT_API std::uint32_t release(std::uint32_t count, std::error_code& ec);

  // acquire() on the io_context: the handler, void(std::error_code), gets
  // success once it took one count, the same count a synchronous acquire in
  // any process would have taken (S5). No timeout: cancel() ends it. `ex`
  // (or `io`) is the I/O executor; a handler's own associated executor, if
  // it has one, runs it. Not open: invalid_argument.
  template <class Token>
  auto async_acquire(const asio::any_io_executor& ex, Token&& token) {
    return asio::async_initiate<Token, void(std::error_code)>(
        [this](auto handler, const asio::any_io_executor& e) {
          start_acquire(e, detail::bind_completion<void(std::error_code)>(std::move(handler), e));
        },
        token, ex);
  }
  template <class Token>
  auto async_acquire(asio::io_context& io, Token&& token) {
    return async_acquire(asio::any_io_executor(io.get_executor()), std::forward<Token>(token));
  }

  // Pending async_acquire calls of this handle complete with
  // operation_aborted and take nothing: a count released after cancel()
  // returns is left for the next acquirer. One that already took its count
  // completes with success (too late to cancel). close() and the destructor
  // cancel them too, and wait until they have ended.
  STRAIT_API void cancel() noexcept;

  STRAIT_API bool is_open() const noexcept;
  STRAIT_API bool created() const noexcept;
  STRAIT_API const std::string& name() const noexcept;
  STRAIT_API void close() noexcept;

  struct impl;  // platform/<os>/named_semaphore.cpp

 private:
  explicit named_semaphore(std::unique_ptr<impl> p) noexcept;
  STRAIT_API void start_acquire(const asio::any_io_executor& ex,
                                detail::completion<void(std::error_code)> done);
  std::unique_ptr<impl> impl_;
};

enum class event_reset {
  automatic,  // a set wakes exactly one waiter, then the event is unset again (S4)
  manual,     // a set wakes every waiter and stays set until reset() (S4)
};

struct event_options : object_options {
  event_reset reset = event_reset::automatic;
  bool initially_set = false;
};

class named_event {
 public:
  STRAIT_API named_event() noexcept;
  STRAIT_API named_event(named_event&&) noexcept;
  STRAIT_API named_event& operator=(named_event&&) noexcept;
  STRAIT_API ~named_event();

  STRAIT_API static named_event create(std::string_view name, const event_options& options = {});
  STRAIT_API static named_event create(std::string_view name, const event_options& options,
                                       std::error_code& ec);
  // The reset mode of the existing event applies; options only give the scope.
  STRAIT_API static named_event open(std::string_view name, const object_options& options = {});
  STRAIT_API static named_event open(std::string_view name, const object_options& options,
                                     std::error_code& ec);
  STRAIT_API static named_event create_or_open(std::string_view name,
                                               const event_options& options = {});
  STRAIT_API static named_event create_or_open(std::string_view name, const event_options& options,
                                               std::error_code& ec);

  STRAIT_API void set();
  STRAIT_API void set(std::error_code& ec);
  STRAIT_API void reset();
  STRAIT_API void reset(std::error_code& ec);

  // Waits until the event is set (an automatic event is unset again by the
  // waiter it wakes). wait_for returns false when `timeout` passed first.
  STRAIT_API void wait();
  STRAIT_API void wait(std::error_code& ec);
  STRAIT_API bool wait_for(duration timeout);
  STRAIT_API bool wait_for(duration timeout, std::error_code& ec);

  // wait() on the io_context: the handler, void(std::error_code), gets
  // success once the event was set. An automatic event is unset again by
  // this wait exactly as by wait(): one set wakes one waiter, synchronous or
  // asynchronous, in any process (S4). No timeout: cancel() ends it. `ex`
  // (or `io`) is the I/O executor; a handler's own associated executor, if
  // it has one, runs it. Not open: invalid_argument.
  template <class Token>
  auto async_wait(const asio::any_io_executor& ex, Token&& token) {
    return asio::async_initiate<Token, void(std::error_code)>(
        [this](auto handler, const asio::any_io_executor& e) {
          start_wait(e, detail::bind_completion<void(std::error_code)>(std::move(handler), e));
        },
        token, ex);
  }
  template <class Token>
  auto async_wait(asio::io_context& io, Token&& token) {
    return async_wait(asio::any_io_executor(io.get_executor()), std::forward<Token>(token));
  }

  // Pending async_wait calls of this handle complete with operation_aborted
  // and take nothing: a set made after cancel() returns is left for the next
  // waiter. One that already took the set completes with success (too late
  // to cancel). close() and the destructor cancel them too, and wait until
  // they have ended.
  STRAIT_API void cancel() noexcept;

  STRAIT_API bool is_open() const noexcept;
  STRAIT_API bool created() const noexcept;
  STRAIT_API const std::string& name() const noexcept;
  STRAIT_API void close() noexcept;

  struct impl;  // platform/<os>/named_event.cpp

 private:
  explicit named_event(std::unique_ptr<impl> p) noexcept;
  STRAIT_API void start_wait(const asio::any_io_executor& ex,
                             detail::completion<void(std::error_code)> done);
  std::unique_ptr<impl> impl_;
};

}  // namespace strait
