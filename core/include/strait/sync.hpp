// Named synchronization objects shared between processes: named_mutex,
// named_semaphore, named_event. The Windows kernel objects on Windows; on
// POSIX, process-shared primitives in a small shared-memory region with the
// same lifetime as shared_memory (S2: gone once the last handle closes).
//
// Every wait takes a timeout measured on a monotonic clock; a wait that runs
// out fails with errc::timed_out and changes nothing. strait::infinite waits
// forever. Each call has an std::error_code overload and a throwing one
// (std::system_error).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include <strait/channel.hpp>  // duration, infinite
#include <strait/named_object.hpp>

namespace strait {

// A mutex owned by one thread at a time, recursive like a Windows mutex.
//
// S3: when the owner dies holding it (process killed, thread ended), the next
// locker gets errc::abandoned TOGETHER WITH the lock. The error_code forms
// set ec = abandoned and return owning it; the throwing forms throw a
// std::system_error with that code, also owning it: catch it, repair what the
// dead owner left half-done, then unlock(). Later lockers see no error.
class named_mutex {
 public:
  named_mutex() noexcept;
  named_mutex(named_mutex&&) noexcept;
  named_mutex& operator=(named_mutex&&) noexcept;
  ~named_mutex();  // does not unlock: a handle closed while locked abandons it

  static named_mutex create(std::string_view name, const object_options& options = {});
  static named_mutex create(std::string_view name, const object_options& options,
                            std::error_code& ec);
  static named_mutex open(std::string_view name, const object_options& options = {});
  static named_mutex open(std::string_view name, const object_options& options,
                          std::error_code& ec);
  static named_mutex create_or_open(std::string_view name, const object_options& options = {});
  static named_mutex create_or_open(std::string_view name, const object_options& options,
                                    std::error_code& ec);

  void lock();
  void lock(std::error_code& ec);
  // False when another owner holds it (no error).
  bool try_lock();
  bool try_lock(std::error_code& ec);
  // False when `timeout` passed first (ec = timed_out in the ec form).
  bool try_lock_for(duration timeout);
  bool try_lock_for(duration timeout, std::error_code& ec);
  // Not the owner: access_denied (Windows ERROR_NOT_OWNER, POSIX EPERM).
  void unlock();
  void unlock(std::error_code& ec);

  bool is_open() const noexcept;
  bool created() const noexcept;
  const std::string& name() const noexcept;
  void close() noexcept;

  struct impl;  // platform/<os>/named_mutex.cpp

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
  named_semaphore() noexcept;
  named_semaphore(named_semaphore&&) noexcept;
  named_semaphore& operator=(named_semaphore&&) noexcept;
  ~named_semaphore();

  // Counts that do not fit the limits above fail with invalid_argument.
  static named_semaphore create(std::string_view name, const semaphore_options& options = {});
  static named_semaphore create(std::string_view name, const semaphore_options& options,
                                std::error_code& ec);
  // The counts of the existing semaphore apply; options only give the scope.
  static named_semaphore open(std::string_view name, const object_options& options = {});
  static named_semaphore open(std::string_view name, const object_options& options,
                              std::error_code& ec);
  static named_semaphore create_or_open(std::string_view name,
                                        const semaphore_options& options = {});
  static named_semaphore create_or_open(std::string_view name,
                                        const semaphore_options& options, std::error_code& ec);

  void acquire();
  void acquire(std::error_code& ec);
  bool try_acquire();
  bool try_acquire(std::error_code& ec);
  bool try_acquire_for(duration timeout);
  bool try_acquire_for(duration timeout, std::error_code& ec);

  // Adds `count` (>= 1) and returns the count before. S5: a release that would
  // pass the maximum changes nothing and fails with errc::resource_exhausted
  // (Windows ERROR_TOO_MANY_POSTS 298, POSIX EOVERFLOW kept as native value).
  std::uint32_t release(std::uint32_t count = 1);
  std::uint32_t release(std::uint32_t count, std::error_code& ec);

  bool is_open() const noexcept;
  bool created() const noexcept;
  const std::string& name() const noexcept;
  void close() noexcept;

  struct impl;  // platform/<os>/named_semaphore.cpp

 private:
  explicit named_semaphore(std::unique_ptr<impl> p) noexcept;
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
  named_event() noexcept;
  named_event(named_event&&) noexcept;
  named_event& operator=(named_event&&) noexcept;
  ~named_event();

  static named_event create(std::string_view name, const event_options& options = {});
  static named_event create(std::string_view name, const event_options& options,
                            std::error_code& ec);
  // The reset mode of the existing event applies; options only give the scope.
  static named_event open(std::string_view name, const object_options& options = {});
  static named_event open(std::string_view name, const object_options& options,
                          std::error_code& ec);
  static named_event create_or_open(std::string_view name, const event_options& options = {});
  static named_event create_or_open(std::string_view name, const event_options& options,
                                    std::error_code& ec);

  void set();
  void set(std::error_code& ec);
  void reset();
  void reset(std::error_code& ec);

  // Waits until the event is set (an automatic event is unset again by the
  // waiter it wakes). wait_for returns false when `timeout` passed first.
  void wait();
  void wait(std::error_code& ec);
  bool wait_for(duration timeout);
  bool wait_for(duration timeout, std::error_code& ec);

  bool is_open() const noexcept;
  bool created() const noexcept;
  const std::string& name() const noexcept;
  void close() noexcept;

  struct impl;  // platform/<os>/named_event.cpp

 private:
  explicit named_event(std::unique_ptr<impl> p) noexcept;
  std::unique_ptr<impl> impl_;
};

}  // namespace strait
