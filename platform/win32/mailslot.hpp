// mailslot:// on Windows: native mailslots, \\.\mailslot\NAME.
//
// The reader publishes its maximum message size for writers in a small
// named file mapping, Local\strait.mailslot.<name in lower case>, that lives
// as long as the reader's handle: Wine does not enforce the maximum, so
// strait's writers do (M3). A mailslot without it (a plain Win32 reader)
// takes messages up to mailslot_size_limit from strait. The reader makes it
// after the mailslot, owned by its user, so it also tells writers who reads
// (N2, mailslot_writer.cpp).
#pragma once

#include <windows.h>

#include <cstdint>
#include <cwctype>
#include <string>

namespace strait::detail {

inline std::wstring mailslot_path(const std::string& name) {
  // Names are ASCII by the grammar (N1): widening is exact.
  const std::string path = "\\\\.\\mailslot\\" + name;
  return {path.begin(), path.end()};
}

// Mailslot names ignore case; object names do not: the mapping is named in lower case.
inline std::wstring mailslot_info_name(const std::string& name) {
  std::wstring object = L"Local\\strait.mailslot.";
  for (const char c : name) object += static_cast<wchar_t>(std::towlower(static_cast<wint_t>(c)));
  return object;
}

struct mailslot_info {
  static constexpr std::uint32_t magic_value = 0x4c534d53;  // "SMSL"
  std::uint32_t magic = magic_value;
  std::uint32_t max_message_size = 0;
};

}  // namespace strait::detail
