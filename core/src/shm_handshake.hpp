// The shm:// handshake on the connection's pipe: "strait-shm/2 LOCATOR
// CAPACITY MAX" (or "strait-shm/2 error CODE") from the listener, "ok MAX"
// back from the client. LOCATOR says where the connection's memory is
// (shm_connection.hpp: its name on Windows; "fd" on POSIX, where the
// descriptor came over the pipe just before). Both ends decode what the other process wrote, so
// the decoders check everything (S6) and take any bytes: a fuzz target can
// call them directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace strait::detail::shm {

inline constexpr std::string_view hello_tag = "strait-shm/2";
// The largest handshake message either side sends or accepts.
inline constexpr std::size_t handshake_size = 256;

struct hello {
  std::string region;
  std::uint32_t capacity = 0;
  std::size_t max_message_size = 0;
};

std::string encode_hello(const hello& h);
std::string encode_hello_error(std::error_code ec);
std::string encode_reply(std::size_t max_message_size);

// The listener's hello: success and `h` filled in, the error the listener
// reported, or protocol_error for anything else.
std::error_code decode_hello(std::string_view text, hello& h);
// The client's answer: true and its maximum message size, or false.
bool decode_reply(std::string_view text, std::size_t& max_message_size);

}  // namespace strait::detail::shm
