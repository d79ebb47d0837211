// Sends one message over each scheme the installed build has and checks it
// arrives whole, and that the library is the version of its headers; exits
// non-zero with the reason otherwise.
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include <strait/strait.hpp>

int main() {
  asio::io_context io;
  const std::string name = "consumer-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  int failures = 0;
  if (std::string_view(strait::version()) != STRAIT_VERSION_STRING) {
    std::printf("library %s, headers %s\n", strait::version(), STRAIT_VERSION_STRING);
    ++failures;
  }
  for (std::string_view scheme : strait::supported_schemes()) {
    const std::string url = scheme == "tcp" ? "tcp://127.0.0.1:0" : std::string(scheme) + "://" + name;
    try {
      strait::listener server = strait::listen(io, url);
      strait::channel client = strait::connect(io, server.endpoint());
      strait::channel peer = server.accept();
      client.send(strait::buffer("installed"));
      const auto message = peer.receive();
      const std::string_view text(reinterpret_cast<const char*>(message.data()), message.size());
      std::printf("%-5s %s\n", std::string(scheme).c_str(), text == "installed" ? "ok" : "WRONG");
      failures += text != "installed";
    } catch (const std::exception& e) {
      std::printf("%-5s %s\n", std::string(scheme).c_str(), e.what());
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}
