// The datagram of broadcast and remote mailslots (docs/wire-format.md,
// "Broadcast mailslot datagrams"): the writer's prefix and the reader's
// decode, apart from the sockets so that tests/fuzz/mailslot_datagram_fuzz.cpp
// can feed decode whatever a host on the segment may send.
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace strait::detail::mailslot_datagram {

inline constexpr std::array<std::byte, 4> magic{std::byte{'S'}, std::byte{'M'}, std::byte{'S'},
                                                std::byte{'L'}};
inline constexpr std::byte version{1};
inline constexpr std::size_t header_size = 8;  // magic, version, name length, u16 LE payload length

// The header and name of every datagram to `name`; the length is set per message.
inline std::vector<std::byte> make_prefix(const std::string& name) {
  std::vector<std::byte> prefix(magic.begin(), magic.end());
  prefix.push_back(version);
  prefix.push_back(static_cast<std::byte>(name.size()));
  prefix.resize(header_size);
  for (char c : name) prefix.push_back(static_cast<std::byte>(c));
  return prefix;
}

// The payload of a datagram for `name` (lower case), or nullopt for anything
// else: other names, other programs, damaged or cut datagrams (dropped unseen).
inline std::optional<std::span<const std::byte>> decode(std::span<const std::byte> d,
                                                        const std::string& name) {
  if (d.size() < header_size || !std::equal(magic.begin(), magic.end(), d.begin()) ||
      d[4] != version)
    return std::nullopt;
  const auto name_size = std::to_integer<std::size_t>(d[5]);
  const auto payload_size =
      std::to_integer<std::size_t>(d[6]) | (std::to_integer<std::size_t>(d[7]) << 8);
  if (name_size != name.size() || d.size() != header_size + name_size + payload_size)
    return std::nullopt;
  for (std::size_t i = 0; i < name_size; ++i) {
    const auto c = static_cast<unsigned char>(std::to_integer<int>(d[header_size + i]));
    if (std::tolower(c) != static_cast<unsigned char>(name[i])) return std::nullopt;
  }
  return d.subspan(header_size + name_size);
}

}  // namespace strait::detail::mailslot_datagram
