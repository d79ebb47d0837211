// listen_churn URL MILLISECONDS: serves URL for a millisecond, withdraws it
// for a millisecond, over and over for MILLISECONDS: the other side of
// posix.C5.a_name_being_served_or_withdrawn_is_not_found_never_busy. Exits
// 0, or 1 with the error when a listen fails.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>
#include <thread>

#include <strait/strait.hpp>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: listen_churn URL MILLISECONDS\n");
    return 100;
  }
  const std::string url = argv[1];
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::atol(argv[2]));
  asio::io_context io;
  while (std::chrono::steady_clock::now() < end) {
    std::error_code ec;
    auto served = strait::listen(io, url, {}, ec);
    if (ec) {
      std::fprintf(stderr, "listen_churn: %s: %s\n", url.c_str(), ec.message().c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    served.close();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return 0;
}
