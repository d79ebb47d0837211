// strait_shm_hostile_client ROLE shm://NAME: a shm:// client that does the
// handshake by hand and then writes into the client-to-server ring itself,
// as a broken or malicious peer would (S6), or stops inside a message (C8).
//
// Roles:
//   bad-tail       the ring's tail past head + capacity
//   bad-length     a record longer than a piece can be
//   bad-flags      a record with unknown flag bits
//   too-long       two pieces adding up past the server's maximum (1000 bytes)
//   half-message   400 bytes of a 1000-byte message; after the server sends
//                  "go", the other 600, then a 50-byte message; exits when
//                  the server closes
//   good           one message "hello", then waits for the server to close
// Exit code 0 when the role ran; 1 on any failure of its own.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>
#include <strait/strait.hpp>

#include "pattern.hpp"
#include "shm_ring.hpp"

namespace {

using namespace std::chrono_literals;
namespace shm = strait::detail::shm;

constexpr std::uint64_t seed = 7;

struct connection {
  strait::channel control;
  strait::shared_memory region;
  strait::named_event data_event;  // wakes the server's receive
  std::uint32_t capacity = 0;

  shm::ring_control& control_block(int ring) const {
    return reinterpret_cast<shm::ring_control*>(region.data() + shm::controls_offset)[ring];
  }
  std::byte* ring_data(int ring) const {
    return region.data() + shm::data_offset + std::size_t(ring) * capacity;
  }
  shm::ring_producer producer() const {
    return {&control_block(0), ring_data(0), capacity};
  }
  void wake() { data_event.set(); }
  void answer() { control.send(strait::buffer("ok 67108864")); }
};

connection handshake(asio::io_context& io, std::string_view shm_url) {
  const std::string name(shm_url.substr(shm_url.find("://") + 3));
  connection c;
  c.control = strait::connect(io, "pipe://strait-shm." + name);
  const auto hello = c.control.receive();
  const std::string text(reinterpret_cast<const char*>(hello.data()), hello.size());
  char region[200] = {};
  unsigned long capacity = 0;
  if (std::sscanf(text.c_str(), "strait-shm/1 %199s %lu", region, &capacity) != 2)
    throw std::runtime_error("unexpected hello: " + text);
  c.capacity = static_cast<std::uint32_t>(capacity);
  c.region = strait::shared_memory::open(region);
  c.data_event = strait::named_event::open(std::string(region) + ".d0");
  return c;
}

void put_u32(std::byte* at, std::uint32_t v) { std::memcpy(at, &v, 4); }

std::vector<std::byte> bytes(std::size_t n) {
  std::vector<std::byte> out(n);
  strait::test::fill_pattern(out.data(), n, seed);
  return out;
}

// Waits (polling: this process is the test's tool, not the library) until
// the server closes its end of the server-to-client ring.
int wait_for_close(connection& c) {
  for (int i = 0; i < 20000; ++i) {
    if (c.control_block(1).producer_closed.load() != 0) return 0;
    std::this_thread::sleep_for(1ms);
  }
  return 1;
}

// Polls the server-to-client ring for one message (the "go").
bool wait_for_message(connection& c) {
  shm::ring_consumer in(&c.control_block(1), c.ring_data(1), c.capacity);
  for (int i = 0; i < 20000; ++i) {
    shm::ring_consumer::piece piece;
    if (in.peek(piece) == shm::ring_consumer::result::ok) {
      in.consume();
      return true;
    }
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

int run(const std::string& role, const std::string& url) {
  asio::io_context io;
  auto c = handshake(io, url);
  auto out = c.producer();
  auto& ring = c.control_block(0);
  std::byte* data = c.ring_data(0);

  if (role == "bad-tail") {
    ring.tail.store(std::uint64_t{c.capacity} * 3);
  } else if (role == "bad-length") {
    put_u32(data, c.capacity);
    put_u32(data + 4, shm::end_of_message);
    ring.tail.store(64);
  } else if (role == "bad-flags") {
    put_u32(data, 8);
    put_u32(data + 4, 0x80 | shm::end_of_message);
    ring.tail.store(16);
  } else if (role == "too-long") {
    const auto payload = bytes(800);
    out.try_write(payload.data(), 800, false);
    out.try_write(payload.data(), 800, true);
  } else if (role == "half-message") {
    const auto message = bytes(1000);
    out.try_write(message.data(), 400, false);
    c.answer();
    if (!wait_for_message(c)) return 1;
    out.try_write(message.data() + 400, 600, true);
    const auto second = bytes(50);
    out.try_write(second.data(), 50, true);
    c.wake();
    return wait_for_close(c);
  } else if (role == "good") {
    out.try_write("hello", 5, true);
  } else {
    return 2;
  }
  c.answer();
  c.wake();
  return wait_for_close(c);
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc != 3) {
    std::fprintf(stderr, "usage: strait_shm_hostile_client ROLE shm://NAME\n");
    return 2;
  }
  return run(argv[1], argv[2]);
} catch (const std::exception& e) {
  std::fprintf(stderr, "strait_shm_hostile_client: %s\n", e.what());
  return 1;
}
