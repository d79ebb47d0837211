// libFuzzer target for the shm:// handshake decoders (core/src/shm_handshake.hpp):
// the client parses the hello a listener process wrote into the control pipe,
// the listener the client's reply (S6).
//
// The input: byte 0 picks the parser (bit 0: hello or reply), the rest is
// the text as it came out of the pipe, at most a handshake message (handshake_size).
//
// What must hold:
//   - a hello that parses names a region in the name grammar, a capacity
//     valid_capacity() takes and a maximum over 0, and the hello the listener
//     would write for them parses to the same;
//   - a hello that does not parse is protocol_error, or the listener's
//     error when the text is "strait-shm/2 error CODE" (one trailing space
//     allowed) with CODE the decimal value of a strait::errc;
//   - a reply that parses says a maximum over 0, and "ok MAX" parses to the same.
// A broken invariant prints what broke and traps.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <strait/endpoint.hpp>
#include <strait/error.hpp>

#include "fuzz_require.hpp"
#include "shm_handshake.hpp"
#include "shm_ring.hpp"  // valid_capacity

namespace {

namespace shm = strait::detail::shm;

void check_hello(std::string_view text) {
  shm::hello h;
  const std::error_code ec = shm::decode_hello(text, h);
  if (ec) {
    if (ec == strait::errc::protocol_error) return;
    FUZZ_REQUIRE(ec.category() == strait::category());
    const std::string error_prefix = std::string(shm::hello_tag) + " error ";
    FUZZ_REQUIRE(text.starts_with(error_prefix));
    std::string_view code = text.substr(error_prefix.size());
    if (code.ends_with(' ')) code.remove_suffix(1);  // words() lets one trailing space by
    FUZZ_REQUIRE(!code.empty());
    long value = 0;
    for (const char c : code) {
      FUZZ_REQUIRE(c >= '0' && c <= '9');
      if (value <= 1000) value = value * 10 + (c - '0');
    }
    FUZZ_REQUIRE(value == ec.value());
    return;
  }
  FUZZ_REQUIRE(strait::is_valid_name(h.region));
  FUZZ_REQUIRE(shm::valid_capacity(h.capacity));
  FUZZ_REQUIRE(h.max_message_size > 0);
  const std::string again = shm::encode_hello(h);  // what a listener writes for it
  shm::hello h2;
  FUZZ_REQUIRE(!shm::decode_hello(again, h2));
  FUZZ_REQUIRE(h2.region == h.region && h2.capacity == h.capacity &&
               h2.max_message_size == h.max_message_size);
}

void check_reply(std::string_view text) {
  std::size_t client_max = 0;
  if (!shm::decode_reply(text, client_max)) return;
  FUZZ_REQUIRE(client_max > 0);
  std::size_t again = 0;
  FUZZ_REQUIRE(shm::decode_reply(shm::encode_reply(client_max), again));
  FUZZ_REQUIRE(again == client_max);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0 || size - 1 > shm::handshake_size) return 0;
  // libFuzzer's copy of the input is exactly its size: AddressSanitizer sees a read past it.
  const std::string_view text(reinterpret_cast<const char*>(bytes + 1), size - 1);
  if (bytes[0] & 1)
    check_reply(text);
  else
    check_hello(text);
  return 0;
}
