// A raw shared-memory baseline: two single-producer single-consumer byte rings
// (one each way) in one named mapping, no strait code. How an end waits for
// data or space is a policy: `spin_wait` here (busy-waits with a pause
// instruction: the floor for shm:// on an idle core), `futex_wait` in
// raw_linux_futex.cpp (sleeps in the kernel: the floor for a blocking wait).
// The mapping itself is platform code (raw_posix_shm.cpp).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "cpu_relax.hpp"
#include "mechanism.hpp"

namespace strait::bench {

using detail::cpu_relax;  // the pause hint of strait's spin loops

inline constexpr std::size_t ring_capacity = std::size_t{1} << 20;  // bytes each way

// One direction. Counters only grow; the writer owns head, the reader tail.
struct ring_state {
  alignas(64) std::atomic<std::uint64_t> head{0};
  alignas(64) std::atomic<std::uint64_t> tail{0};
  alignas(64) std::atomic<std::uint32_t> data_seq{0};  // a waiting reader sleeps on it
  std::atomic<std::uint32_t> reader_sleeping{0};
  alignas(64) std::atomic<std::uint32_t> space_seq{0};  // a waiting writer sleeps on it
  std::atomic<std::uint32_t> writer_sleeping{0};
};

// At the start of the mapping; the two data areas follow it.
struct ring_region {
  enum : std::uint32_t { setting_up = 0, server_ready = 1, client_attached = 2 };
  alignas(64) std::atomic<std::uint32_t> stage{setting_up};
  ring_state up, down;  // client to server, server to client
};

inline constexpr std::size_t ring_data_offset = (sizeof(ring_region) + 4095) / 4096 * 4096;
inline constexpr std::size_t ring_mapping_size = ring_data_offset + 2 * ring_capacity;

// ---- the platform part ----------------------------------------------------

class shared_mapping {
 public:
  virtual ~shared_mapping() = default;
  virtual std::byte* data() noexcept = 0;
};
// Server: a new zero-filled mapping of `size` bytes named `name`.
std::unique_ptr<shared_mapping> create_mapping(const std::string& name, std::size_t size);
// Client: the server's mapping, retrying until it exists at its full size.
std::unique_ptr<shared_mapping> open_mapping(const std::string& name, std::size_t size);
// Drops the name once both ends have it mapped (nothing is left behind).
void remove_mapping_name(const std::string& name);

// ---- waiting ---------------------------------------------------------------

// Spins with a pause instruction; looks at the clock only every 64k spins so
// the fast path is a load and a compare.
struct spin_wait {
  template <class Ready>
  static void wait(std::atomic<std::uint32_t>&, std::atomic<std::uint32_t>&, Ready ready) {
    std::chrono::steady_clock::time_point give_up{};
    for (std::uint32_t i = 1; !ready(); ++i) {
      cpu_relax();
      if ((i & 0xffff) != 0) continue;
      const auto now = std::chrono::steady_clock::now();
      if (give_up == decltype(give_up){})
        give_up = now + link_timeout;
      else if (now > give_up)
        throw bench_error("shared-memory ring: timed out");
    }
  }
  static void notify(std::atomic<std::uint32_t>&, std::atomic<std::uint32_t>&) noexcept {}
};

// ---- the ring ---------------------------------------------------------------

template <class Wait>
class ring_end {
 public:
  ring_end(ring_state& state, std::byte* data) noexcept : s_(state), data_(data) {}

  void write(const std::byte* p, std::size_t n) {
    std::uint64_t head = s_.head.load(std::memory_order_relaxed);
    while (n > 0) {
      std::uint64_t free = 0;
      Wait::wait(s_.space_seq, s_.writer_sleeping, [&] {
        free = ring_capacity - (head - s_.tail.load(std::memory_order_acquire));
        return free > 0;
      });
      if (free > ring_capacity) throw bench_error("shared-memory ring: tail out of range");
      const auto chunk = std::min<std::size_t>(n, free);
      copy_in(head, p, chunk);
      head += chunk;
      s_.head.store(head, std::memory_order_release);
      Wait::notify(s_.data_seq, s_.reader_sleeping);
      p += chunk;
      n -= chunk;
    }
  }

  void read(std::byte* p, std::size_t n) {
    std::uint64_t tail = s_.tail.load(std::memory_order_relaxed);
    while (n > 0) {
      std::uint64_t ready = 0;
      Wait::wait(s_.data_seq, s_.reader_sleeping, [&] {
        ready = s_.head.load(std::memory_order_acquire) - tail;
        return ready > 0;
      });
      if (ready > ring_capacity) throw bench_error("shared-memory ring: head out of range");
      const auto chunk = std::min<std::size_t>(n, ready);
      copy_out(tail, p, chunk);
      tail += chunk;
      s_.tail.store(tail, std::memory_order_release);
      Wait::notify(s_.space_seq, s_.writer_sleeping);
      p += chunk;
      n -= chunk;
    }
  }

 private:
  void copy_in(std::uint64_t at, const std::byte* p, std::size_t n) noexcept {
    const auto offset = static_cast<std::size_t>(at & (ring_capacity - 1));
    const auto first = std::min(n, ring_capacity - offset);
    std::memcpy(data_ + offset, p, first);
    std::memcpy(data_, p + first, n - first);
  }
  void copy_out(std::uint64_t at, std::byte* p, std::size_t n) const noexcept {
    const auto offset = static_cast<std::size_t>(at & (ring_capacity - 1));
    const auto first = std::min(n, ring_capacity - offset);
    std::memcpy(p, data_ + offset, first);
    std::memcpy(p + first, data_, n - first);
  }

  ring_state& s_;
  std::byte* data_;
};

template <class Wait>
class ring_link final : public link {
 public:
  ring_link(std::unique_ptr<shared_mapping> mapping, bool server)
      : mapping_(std::move(mapping)),
        region_(*std::launder(reinterpret_cast<ring_region*>(mapping_->data()))),
        tx_(server ? region_.down : region_.up, data(server ? 1 : 0)),
        rx_(server ? region_.up : region_.down, data(server ? 0 : 1)) {}

  void send(const std::byte* p, std::size_t n) override { tx_.write(p, n); }
  void receive(std::byte* p, std::size_t n) override { rx_.read(p, n); }

 private:
  std::byte* data(int direction) noexcept {
    return mapping_->data() + ring_data_offset +
           static_cast<std::size_t>(direction) * ring_capacity;
  }

  std::unique_ptr<shared_mapping> mapping_;
  ring_region& region_;
  ring_end<Wait> tx_, rx_;
};

template <class Wait>
std::unique_ptr<link> serve_ring(const std::string& name) {
  auto mapping = create_mapping(name, ring_mapping_size);
  auto* region = new (mapping->data()) ring_region;
  region->stage.store(ring_region::server_ready, std::memory_order_release);
  retry_until_ready(
      [&] { return region->stage.load(std::memory_order_acquire) == ring_region::client_attached; },
      "shared-memory ring: waiting for the client");
  remove_mapping_name(name);
  return std::make_unique<ring_link<Wait>>(std::move(mapping), true);
}

template <class Wait>
std::unique_ptr<link> connect_ring(const std::string& name) {
  auto mapping = open_mapping(name, ring_mapping_size);
  auto* region = std::launder(reinterpret_cast<ring_region*>(mapping->data()));
  retry_until_ready(
      [&] { return region->stage.load(std::memory_order_acquire) == ring_region::server_ready; },
      "shared-memory ring: waiting for the server");
  region->stage.store(ring_region::client_attached, std::memory_order_release);
  return std::make_unique<ring_link<Wait>>(std::move(mapping), false);
}

}  // namespace strait::bench
