// copydata:// on Windows: the names a reader's window and its lock go by.
//
// The reader of copydata://NAME is a message-only window of class
// "strait.copydata.NAME" (window classes ignore case, so NAME is taken in
// lower case, as mailslot names are). Window classes are per process, so the
// one-reader rule (C7) is held by a mutex, Local\strait.copydata.NAME, that
// the reader owns while it lives, created with this user's private security
// (N2); the system drops it with a crashed reader.
#pragma once

#include <windows.h>

#include <cwctype>
#include <string>

namespace strait::detail {

inline std::wstring copydata_lower(const std::string& name) {
  std::wstring out;
  // Names are ASCII by the grammar (N1): widening is exact.
  for (const char c : name) out += static_cast<wchar_t>(std::towlower(static_cast<wint_t>(c)));
  return out;
}

inline std::wstring copydata_window_class(const std::string& name) {
  return L"strait.copydata." + copydata_lower(name);
}

inline std::wstring copydata_lock_name(const std::string& name) {
  return L"Local\\strait.copydata." + copydata_lower(name);
}

}  // namespace strait::detail
