// The platform side of shared_memory, named_mutex, named_semaphore and
// named_event. core/src/named_objects.cpp checks names and arguments, turns
// timeouts into deadlines and throws; platform/<os>/{shared_memory,
// named_mutex,named_semaphore,named_event}.cpp implement what is below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include <asio/any_io_executor.hpp>

#include <strait/shared_memory.hpp>
#include <strait/sync.hpp>

#include "async_waits.hpp"
#include "backend.hpp"

namespace strait {

// Each platform derives its handle from these and fills the common fields.
struct shared_memory::impl {
  virtual ~impl() = default;
  std::string name;
  bool created = false;
  std::byte* data = nullptr;
  std::size_t size = 0;
};

struct named_mutex::impl {
  virtual ~impl() = default;
  // Success, abandoned (owned, S3), timed_out, or another error (not owned).
  virtual std::error_code lock(detail::deadline until) = 0;
  virtual std::error_code unlock() = 0;
  std::string name;
  bool created = false;
};

// The async waits of both (sync.hpp): `done` runs on its own executor (it is
// a detail::bind_completion), never from inside the call; `ex` is where an
// error that stops the wait from starting is posted. cancel() completes every
// pending wait of this handle with operation_aborted, unless it already took
// its set or count; nothing is taken after it returns (S4, S5). Destroying
// the impl cancels and waits for them.

struct named_semaphore::impl {
  virtual ~impl() = default;
  virtual std::error_code acquire(detail::deadline until) = 0;
  virtual std::error_code release(std::uint32_t count, std::uint32_t& previous) = 0;
  virtual void async_acquire(detail::wait_completion done, const asio::any_io_executor& ex) = 0;
  virtual void cancel() noexcept = 0;
  std::string name;
  bool created = false;
};

struct named_event::impl {
  virtual ~impl() = default;
  virtual std::error_code set() = 0;
  virtual std::error_code reset() = 0;
  virtual std::error_code wait(detail::deadline until) = 0;
  virtual void async_wait(detail::wait_completion done, const asio::any_io_executor& ex) = 0;
  virtual void cancel() noexcept = 0;
  std::string name;
  bool created = false;
};

}  // namespace strait

namespace strait::detail {

enum class open_mode { create, open, create_or_open };

// The "kind" part of every native object name, so objects of different
// kinds never clash: Local\strait.<kind>.<name>, /st<uid>-<hash(kind.name)>.
inline constexpr const char* kind_shm = "shm";
inline constexpr const char* kind_mutex = "mutex";
inline constexpr const char* kind_semaphore = "sem";
inline constexpr const char* kind_event = "event";

// Implemented per platform. `name` is valid (N1) and the arguments checked
// (size >= 1, counts within limits) before these are called.
std::unique_ptr<shared_memory::impl> open_shared_memory(open_mode mode, const std::string& name,
                                                        std::size_t size,
                                                        const object_options& options,
                                                        std::error_code& ec);
std::unique_ptr<named_mutex::impl> open_named_mutex(open_mode mode, const std::string& name,
                                                    const object_options& options,
                                                    std::error_code& ec);
std::unique_ptr<named_semaphore::impl> open_named_semaphore(open_mode mode,
                                                            const std::string& name,
                                                            const semaphore_options& options,
                                                            std::error_code& ec);
std::unique_ptr<named_event::impl> open_named_event(open_mode mode, const std::string& name,
                                                    const event_options& options,
                                                    std::error_code& ec);

}  // namespace strait::detail
