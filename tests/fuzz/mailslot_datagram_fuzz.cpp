// libFuzzer target for the broadcast mailslot datagram decoder
// (core/src/mailslot_datagram.hpp): any host on the segment can send a reader
// any datagram (docs/wire-format.md, "Broadcast mailslot datagrams"), so
// decode must take what is for its name and drop everything else unseen.
//
// The input:
//
//   byte 0          k: the reader's name is the next k mod 16 bytes, in lower
//                   case ("x" when they break the name grammar)
//   the rest        one datagram as it arrives
//
// decode's answer is checked against the format written out once more here:
// it accepts exactly the datagrams whose magic, version, name (any case) and
// lengths match, and its payload is the datagram's tail, inside the input.
// The payload, sent again to the same name with the writer's prefix, decodes
// to itself. A broken invariant prints what broke and traps.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <strait/endpoint.hpp>

#include "fuzz_require.hpp"
#include "mailslot_datagram.hpp"

namespace {

namespace datagram = strait::detail::mailslot_datagram;

std::string reader_name(const std::uint8_t* bytes, std::size_t size) {
  std::string name(reinterpret_cast<const char*>(bytes), size);
  if (!strait::is_valid_name(name)) return "x";
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

// The format as docs/wire-format.md states it: is `d` a datagram for `name`?
bool is_for(const std::uint8_t* d, std::size_t size, const std::string& name) {
  if (size < 8 || std::memcmp(d, "SMSL", 4) != 0 || d[4] != 1 || d[5] != name.size())
    return false;
  const std::size_t length = d[6] + 256u * d[7];
  if (size != 8 + name.size() + length) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = static_cast<char>(d[8 + i]);
    const char lowered = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    if (lowered != name[i]) return false;
  }
  return true;
}

// The datagram a writer sends to `name`: its prefix, the length, the payload.
std::vector<std::byte> encode(const std::string& name, std::span<const std::byte> payload) {
  auto out = datagram::make_prefix(name);
  out[6] = static_cast<std::byte>(payload.size() & 0xff);
  out[7] = static_cast<std::byte>(payload.size() >> 8);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t name_size = std::min<std::size_t>(bytes[0] % 16u, size - 1);
  const std::string name = reader_name(bytes + 1, name_size);
  const std::uint8_t* d = bytes + 1 + name_size;
  const std::size_t d_size = size - 1 - name_size;

  // An exact heap copy, so that AddressSanitizer sees a read past its end.
  std::vector<std::byte> received(reinterpret_cast<const std::byte*>(d),
                                  reinterpret_cast<const std::byte*>(d) + d_size);
  const std::span<const std::byte> whole(received);
  const auto payload = datagram::decode(whole, name);

  FUZZ_REQUIRE(payload.has_value() == is_for(d, d_size, name));
  if (!payload) return 0;
  FUZZ_REQUIRE(payload->data() == whole.data() + datagram::header_size + name.size());
  FUZZ_REQUIRE(payload->data() + payload->size() == whole.data() + whole.size());
  FUZZ_REQUIRE(payload->size() == std::size_t{d[6]} + 256u * d[7]);

  const auto again = encode(name, *payload);
  const auto decoded = datagram::decode(again, name);
  FUZZ_REQUIRE(decoded.has_value());
  FUZZ_REQUIRE(decoded->size() == payload->size());
  FUZZ_REQUIRE(std::memcmp(decoded->data(), payload->data(), payload->size()) == 0);
  return 0;
}
