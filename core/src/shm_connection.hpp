// The shared memory of one shm:// connection: its two rings (shm_ring.hpp)
// and the four wake-ups its ends sleep on. How it is made, handed to the
// client and slept on differs per platform (platform/<os>/
// shm_connection_memory.cpp, docs/shared-memory.md "The shm:// channel"):
//
// - POSIX: memory with no name (a sealed memfd on Linux), its descriptor
//   passed over the connection's pipe (SCM_RIGHTS), the wake-ups words in it.
// - Windows: a file mapping and four events under a fresh random name, which
//   the hello carries; the system deletes them with their last handle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include <strait/native_handle.hpp>

#include "backend.hpp"
#include "shm_ring.hpp"

namespace strait::detail::shm {

// The four wake-ups: data(r) is set by ring r's producer for its sleeping
// consumer, space(r) the other way. Ring 0 carries client to server.
constexpr int data_wake(int ring) noexcept { return ring; }
constexpr int space_wake(int ring) noexcept { return 2 + ring; }
inline constexpr int wake_count = 4;

class connection_memory {
 public:
  virtual ~connection_memory() = default;

  // The rings: region_size(capacity()) bytes, mapped (after map() on the client).
  std::byte* data() const noexcept { return data_; }
  std::uint32_t capacity() const noexcept { return capacity_; }

  ring_control& control(int ring) const noexcept {
    return reinterpret_cast<ring_control*>(data_ + controls_offset)[ring];
  }
  std::byte* ring_data(int ring) const noexcept {
    return data_ + data_offset + std::size_t(ring) * capacity_;
  }

  // Client: maps the memory the hello describes, rings of `ring_capacity`
  // bytes. S6: the server is another process; everything is checked first
  // (on Linux the seals and the size, so that it cannot shrink it under us).
  virtual std::error_code map(const std::string& locator, std::uint32_t ring_capacity) = 0;

  // Sets wake-up `wake` (auto-reset: one sleeper takes it).
  virtual void set(int wake) noexcept = 0;
  // Sleeps until `wake` is set (true, and takes it) or `until` passes
  // (false); ec only when the system fails.
  virtual bool wait(int wake, deadline until, std::error_code& ec) noexcept = 0;

 protected:
  std::byte* data_ = nullptr;
  std::uint32_t capacity_ = 0;
};

// Listener: fresh zeroed memory with rings of `ring_capacity` bytes and
// their header written. `locator` is what the hello tells the client.
std::unique_ptr<connection_memory> create_connection_memory(std::uint32_t ring_capacity,
                                                            std::string& locator,
                                                            std::error_code& ec);

// Listener, before the hello, on the connection's pipe: what the client
// needs besides the locator (POSIX: the memory's descriptor; null `memory`
// says none comes, the hello carries the error). Nothing on Windows.
std::error_code offer_connection_memory(const connection_memory* memory,
                                        native_handle_type control);

// Client, before reading the hello: takes what offer_connection_memory sent,
// waiting up to `until`. The result is mapped by map().
std::unique_ptr<connection_memory> receive_connection_memory(native_handle_type control,
                                                             deadline until,
                                                             std::error_code& ec);

}  // namespace strait::detail::shm
