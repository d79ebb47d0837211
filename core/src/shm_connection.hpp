// The shared objects of one shm:// connection: the region of its two rings
// (shm_ring.hpp) and the four auto-reset events its ends sleep on.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <system_error>

#include <strait/error.hpp>
#include <strait/shared_memory.hpp>
#include <strait/sync.hpp>

#include "shm_ring.hpp"

namespace strait::detail::shm {

// A name no other connection uses: "strait-shm-" and random hex digits.
std::string fresh_connection_name();

// Ring 0 carries client to server, ring 1 server to client. data[r] is set by
// ring r's producer for its sleeping consumer, space[r] the other way.
struct connection_objects {
  shared_memory region;
  std::array<named_event, 2> data;
  std::array<named_event, 2> space;
  std::uint32_t capacity = 0;

  ring_control& control(int ring) const noexcept {
    return reinterpret_cast<ring_control*>(region.data() + controls_offset)[ring];
  }
  std::byte* ring_data(int ring) const noexcept {
    return region.data() + data_offset + std::size_t(ring) * capacity;
  }

  // A fresh region named `name` with rings of `ring_capacity` bytes, and its events.
  static std::error_code create(const std::string& name, std::uint32_t ring_capacity,
                                connection_objects& out);
  // S6: the server is another process; what it says is checked.
  static std::error_code open(const std::string& name, std::uint32_t ring_capacity,
                              connection_objects& out);

 private:
  static std::error_code open_events(const std::string& name, bool create,
                                     connection_objects& out);
};

}  // namespace strait::detail::shm
