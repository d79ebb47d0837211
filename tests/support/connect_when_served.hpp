// Connecting to a server another process is still starting: the name is
// not served for a moment (not_found), then it is.
#pragma once

#include <chrono>
#include <string>
#include <system_error>
#include <thread>

#include <strait/strait.hpp>

namespace strait::test {

// Retries connect while it fails with not_found, up to `patience`; any other
// error, or running out of patience, throws.
inline strait::channel connect_when_served(asio::io_context& io, const std::string& url,
                                           std::chrono::milliseconds patience =
                                               std::chrono::seconds(20),
                                           const strait::connect_options& options = {}) {
  const auto until = std::chrono::steady_clock::now() + patience;
  for (;;) {
    std::error_code ec;
    auto ch = strait::connect(io, url, options, ec);
    if (!ec) return ch;
    if (ec != strait::errc::not_found || std::chrono::steady_clock::now() > until)
      throw std::system_error(ec, "cannot connect to " + url);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace strait::test
