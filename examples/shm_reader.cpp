// shm_reader [NAME]: waits for shm_writer's message and prints it.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>

#include <strait/strait.hpp>

int main(int argc, char** argv) try {
  using namespace std::chrono_literals;
  const std::string name = argc > 1 ? argv[1] : "strait-shm-example";

  auto region = strait::shared_memory::create_or_open(name, 4096);
  auto mutex = strait::named_mutex::create_or_open(name);
  auto written = strait::named_event::create_or_open(name + ".written");
  auto read = strait::named_event::create_or_open(name + ".read");

  if (!written.wait_for(30s)) {
    std::cerr << "shm_reader: nothing written within 30 s\n";
    return 1;
  }
  std::string message;
  {
    std::error_code ec;
    mutex.lock(ec);
    if (ec && ec != strait::errc::abandoned) throw std::system_error(ec, "lock");
    std::uint32_t length = 0;
    std::memcpy(&length, region.data(), sizeof length);
    // S6: a length read from shared memory is checked before it is used.
    length = std::min<std::uint32_t>(length,
                                     static_cast<std::uint32_t>(region.size() - sizeof length));
    message.assign(reinterpret_cast<const char*>(region.data()) + sizeof length, length);
    mutex.unlock();
  }
  read.set();
  std::cout << "read \"" << message << "\" from " << name << '\n';
  return 0;
} catch (const std::exception& e) {
  std::cerr << "shm_reader: " << e.what() << '\n';
  return 1;
}
