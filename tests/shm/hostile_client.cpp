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
//   truncate       shrinks the connection's memory to nothing, wakes the
//                  server; exits 3 when the shrink took effect, else sends
//                  "hello" as "good" does
//   grow           the same with twice the size (exit 3 when it grew)
//   silent         reads the hello and never answers; exits 0 when the
//                  server gives up (its pipe ends), 1 when it does not
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
#include "region_resize.hpp"
#include "shm_connection.hpp"
#include "shm_ring.hpp"

namespace {

using namespace std::chrono_literals;
namespace shm = strait::detail::shm;

constexpr std::uint64_t seed = 7;

struct connection {
  strait::channel control;
  // The library's own way to take the memory the listener offers (a
  // descriptor on POSIX, a name on Windows); what is done with it is ours.
  std::unique_ptr<shm::connection_memory> memory;
  std::uint32_t capacity = 0;
  std::string locator;  // what the hello names the memory by

  shm::ring_control& control_block(int ring) const { return memory->control(ring); }
  std::byte* ring_data(int ring) const { return memory->ring_data(ring); }
  shm::ring_producer producer() const {
    return {&control_block(0), ring_data(0), capacity};
  }
  void wake() { memory->set(shm::data_wake(0)); }  // the server's receive
  void answer() { control.send(strait::buffer("ok 67108864")); }
};

// Connects to the listener's pipe and reads its offer and hello.
std::string take_hello(asio::io_context& io, std::string_view shm_url, connection& c) {
  const std::string name(shm_url.substr(shm_url.find("://") + 3));
  c.control = strait::connect(io, "pipe://strait-shm." + name);
  std::error_code ec;
  c.memory = shm::receive_connection_memory(c.control.native_handle(),
                                            strait::detail::clock::now() + 20s, ec);
  if (ec) throw std::system_error(ec, "no memory offered");
  const auto hello = c.control.receive();
  return std::string(reinterpret_cast<const char*>(hello.data()), hello.size());
}

connection handshake(asio::io_context& io, std::string_view shm_url) {
  connection c;
  const auto text = take_hello(io, shm_url, c);
  char region[200] = {};
  unsigned long capacity = 0;
  if (std::sscanf(text.c_str(), "strait-shm/2 %199s %lu", region, &capacity) != 2)
    throw std::runtime_error("unexpected hello: " + text);
  c.capacity = static_cast<std::uint32_t>(capacity);
  c.locator = region;
  if (const auto ec = c.memory->map(region, c.capacity))
    throw std::system_error(ec, "cannot map the connection's memory");
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

// Waits for the server's end of the pipe (its close, its death, or giving up).
bool wait_for_pipe_end(strait::channel& control, std::chrono::seconds bound) {
  control.set_receive_timeout(bound);
  std::error_code ec;
  for (;;) {
    control.receive(ec);
    if (ec == strait::errc::broken_pipe) return true;
    if (ec && ec != strait::errc::more_data) return false;
  }
}

// S6: a peer that resizes the shared memory under the server. 3 when the
// resize took effect (the server then must not crash, but the memory is not
// protected), 0 when it was refused and the connection still works, 4 when
// it could not even be tried here (nothing shown either way).
int resize(connection& c, std::size_t new_size) {
  c.answer();
  std::string why;
  const auto outcome = strait::test::resize_shared_object(c.memory->data(), c.locator, new_size, why);
  if (outcome == strait::test::resize_outcome::resized) {
    std::fprintf(stderr, "strait_shm_hostile_client: the shared memory was resized to %zu\n",
                 new_size);
    c.wake();  // the server's receive looks at the ring now
    wait_for_pipe_end(c.control, 20s);
    return 3;
  }
  const bool refused = outcome == strait::test::resize_outcome::refused;
  std::fprintf(stderr, "strait_shm_hostile_client: resize %s: %s\n",
               refused ? "refused" : "not tried", why.c_str());
  c.producer().try_write("hello", 5, true);
  c.wake();
  const int closed = wait_for_close(c);
  return closed == 0 && !refused ? 4 : closed;
}

int run(const std::string& role, const std::string& url) {
  asio::io_context io;
  if (role == "silent") {
    connection c;
    take_hello(io, url, c);
    return wait_for_pipe_end(c.control, 60s) ? 0 : 1;
  }
  auto c = handshake(io, url);
  if (role == "truncate") return resize(c, 0);
  if (role == "grow") return resize(c, shm::region_size(c.capacity) * 2);
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
