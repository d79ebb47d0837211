// copydata:// on Windows: the names a reader's window and its lock go by.
//
// The reader of copydata://NAME is a message-only window of class
// "strait.copydata.NAME" (window classes ignore case, so NAME is taken in
// lower case, as mailslot names are). Window classes are per process, so the
// one-reader rule (C7) is held by a mutex, Local\strait.copydata.NAME, that
// the reader owns while it lives, created with this user's private security
// (N2); the system drops it with a crashed reader.
//
// Writers do not search for the reader's window: the reader publishes it in
// a small named file mapping, Local\strait.copydata-window.NAME, made with
// the same private security once the window exists and closed when the
// reader stops, and a writer checks who owns it (N2), then that the window
// it names is still that reader's: in the process, and with the
// GWLP_USERDATA, named with it. Under Wine, FindWindowExW(HWND_MESSAGE,
// CLASS) in a process started while explorer.exe was starting missed another
// process's window of CLASS for as long as the window lived, now and then,
// though it listed that window when asked for any class (docs/wine.md); a
// class name is not compared for the same reason. A window without that
// mapping (a plain Win32 program's, of that class) is still searched for.
#pragma once

#include <windows.h>

#include <cstdint>
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

inline std::wstring copydata_window_info_name(const std::string& name) {
  return L"Local\\strait.copydata-window." + copydata_lower(name);
}

// What the mapping holds: the reader's window and the process that made it.
struct copydata_window_info {
  static constexpr std::uint32_t magic_value = 0x57444353;  // "SCDW"
  std::uint32_t magic = magic_value;
  std::uint32_t process_id = 0;
  std::uint64_t window = 0;  // the HWND as a number: the same in every process of the session
  std::uint64_t user_data = 0;  // the window's GWLP_USERDATA, which the reader set
};

}  // namespace strait::detail
