// shm_writer [NAME]: puts a message in shared memory for shm_reader.
//
// Creates (or opens, when the reader came first) the region NAME, writes a
// message in it under the named mutex NAME, sets the event NAME.written, and
// keeps the region open until the reader sets NAME.read: a region lives only
// while someone has it open (S2).
#include <chrono>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include <strait/strait.hpp>

int main(int argc, char** argv) try {
  using namespace std::chrono_literals;
  const std::string name = argc > 1 ? argv[1] : "strait-shm-example";

  // Either side may start first: both create_or_open.
  auto region = strait::shared_memory::create_or_open(name, 4096);
  auto mutex = strait::named_mutex::create_or_open(name);
  auto written = strait::named_event::create_or_open(name + ".written");
  auto read = strait::named_event::create_or_open(name + ".read");

  const std::string_view message = "hello from shm_writer";
  {
    std::error_code ec;
    mutex.lock(ec);  // abandoned: a previous writer died mid-write; we rewrite it all anyway
    if (ec && ec != strait::errc::abandoned) throw std::system_error(ec, "lock");
    const auto length = static_cast<std::uint32_t>(message.size());
    std::memcpy(region.data(), &length, sizeof length);
    std::memcpy(region.data() + sizeof length, message.data(), message.size());
    mutex.unlock();
  }
  // Said before the reader is told: the reader may exit as soon as it knows.
  std::cout << "wrote \"" << message << "\" to " << name << std::endl;
  written.set();

  if (!read.wait_for(30s)) {
    std::cerr << "shm_writer: no reader within 30 s\n";
    return 1;
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "shm_writer: " << e.what() << '\n';
  return 1;
}
