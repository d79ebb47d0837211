// Command line, program lookup and environment block for CreateProcessW.
#include <windows.h>

#include <algorithm>
#include <utility>

#include "backend.hpp"
#include "command_line.hpp"

namespace strait::detail {
namespace {

// Characters that make the C runtime split or unquote an argument.
constexpr std::wstring_view needs_quotes = L" \t\n\v\"";

// One argument in the rules CommandLineToArgvW and the C runtime share:
// inside quotes, 2n backslashes before a quote are n backslashes and the
// quote ends the argument's quoted part, 2n+1 are n and a literal quote;
// backslashes anywhere else are literal.
void append_argument(std::wstring& line, std::wstring_view arg) {
  line += L' ';
  if (!arg.empty() && arg.find_first_of(needs_quotes) == std::wstring_view::npos) {
    line += arg;
    return;
  }
  line += L'"';
  std::size_t backslashes = 0;
  for (const wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    line.append(c == L'"' ? 2 * backslashes + 1 : backslashes, L'\\');
    backslashes = 0;
    line += c;
  }
  line.append(2 * backslashes, L'\\');  // the closing quote must stay a quote
  line += L'"';
}

bool is_file(const std::wstring& path) {
  const DWORD attributes = ::GetFileAttributesW(path.c_str());
  return attributes != INVALID_FILE_ATTRIBUTES && !(attributes & FILE_ATTRIBUTE_DIRECTORY);
}

bool is_directory(const std::wstring& path) {
  const DWORD attributes = ::GetFileAttributesW(path.c_str());
  return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY);
}

bool has_extension(std::wstring_view program) {
  const auto dot = program.rfind(L'.');
  return dot != std::wstring_view::npos &&
         program.find_first_of(L"\\/", dot) == std::wstring_view::npos;
}

// `base`, or `base`.exe first when it has no extension: the first that is a file.
std::wstring existing_file(const std::wstring& base, bool& directory_seen) {
  if (!has_extension(base) && is_file(base + L".exe")) return base + L".exe";
  if (is_file(base)) return base;
  directory_seen = directory_seen || is_directory(base);
  return {};
}

std::wstring full_path(const std::wstring& path) {
  const DWORD n = ::GetFullPathNameW(path.c_str(), 0, nullptr, nullptr);
  if (n == 0) return path;
  std::wstring full(n, L'\0');
  const DWORD written = ::GetFullPathNameW(path.c_str(), n, full.data(), nullptr);
  if (written == 0 || written >= n) return path;
  full.resize(written);
  return full;
}

// The NAME of NAME=VALUE. A leading '=' belongs to the name ("=C:=C:\dir",
// the current directory of drive C that cmd keeps).
std::wstring_view name_of(std::wstring_view entry) {
  const auto equals = entry.find(L'=', 1);
  return entry.substr(0, equals == std::wstring_view::npos ? entry.size() : equals);
}

// Windows compares environment names without case, ordinally.
int compare_names(std::wstring_view a, std::wstring_view b) {
  return ::CompareStringOrdinal(a.data(), static_cast<int>(a.size()), b.data(),
                                static_cast<int>(b.size()), TRUE) -
         CSTR_EQUAL;
}

}  // namespace

std::wstring widen_utf8(std::string_view text, std::error_code& ec) {
  ec = {};
  if (text.empty()) return {};
  if (text.find('\0') != std::string_view::npos) {
    ec = make_error_code(errc::invalid_argument);
    return {};
  }
  const int size = static_cast<int>(text.size());
  const int n = ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(), size, nullptr, 0);
  if (n <= 0) {
    ec = make_error_code(errc::invalid_argument, static_cast<int>(::GetLastError()));
    return {};
  }
  std::wstring wide(static_cast<std::size_t>(n), L'\0');
  ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(), size, wide.data(), n);
  return wide;
}

std::wstring quote_command_line(std::wstring_view program, const std::vector<std::wstring>& args) {
  // The program's name is parsed by other rules (no backslash escapes, up to
  // the next quote); a Windows path holds no quote, so plain quotes do.
  std::wstring line = L"\"";
  line += program;
  line += L'"';
  for (const auto& arg : args) append_argument(line, arg);
  return line;
}

std::wstring find_program(std::wstring_view program, std::error_code& ec) {
  ec = {};
  bool directory_seen = false;
  const bool is_path = program.find_first_of(L"\\/:") != std::wstring_view::npos;
  if (!program.empty() && is_path) {
    auto found = existing_file(full_path(std::wstring(program)), directory_seen);
    if (!found.empty()) return found;
  } else if (!program.empty()) {
    const std::wstring path = environment_variable(L"PATH");
    for (std::size_t start = 0; start <= path.size();) {
      auto end = path.find(L';', start);
      if (end == std::wstring::npos) end = path.size();
      std::wstring dir = path.substr(start, end - start);
      start = end + 1;
      if (dir.empty()) continue;
      if (dir.back() != L'\\' && dir.back() != L'/') dir += L'\\';
      auto found = existing_file(dir + std::wstring(program), directory_seen);
      if (!found.empty()) return found;
    }
  }
  ec = directory_seen ? make_error_code(errc::access_denied, ERROR_ACCESS_DENIED)
                      : make_error_code(errc::not_found, ERROR_FILE_NOT_FOUND);
  return {};
}

std::wstring environment_block(std::vector<std::wstring> entries, std::wstring_view drop,
                               std::wstring_view extra) {
  std::erase_if(entries,
                [&](const std::wstring& e) { return compare_names(name_of(e), drop) == 0; });
  if (!extra.empty()) entries.emplace_back(extra);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return compare_names(name_of(a), name_of(b)) < 0;
  });
  std::wstring block;
  for (const auto& entry : entries) {
    block += entry;
    block += L'\0';
  }
  if (entries.empty()) block += L'\0';  // an empty block is still two NULs
  block += L'\0';
  return block;
}

std::wstring environment_variable(const wchar_t* name) {
  const DWORD n = ::GetEnvironmentVariableW(name, nullptr, 0);
  if (n == 0) return {};
  std::wstring value(n, L'\0');
  const DWORD written = ::GetEnvironmentVariableW(name, value.data(), n);
  value.resize(written < n ? written : 0);
  return value;
}

std::vector<std::wstring> current_environment() {
  std::vector<std::wstring> entries;
  wchar_t* block = ::GetEnvironmentStringsW();
  if (!block) return entries;
  for (const wchar_t* p = block; *p; p += entries.back().size() + 1) entries.emplace_back(p);
  ::FreeEnvironmentStringsW(block);
  return entries;
}

}  // namespace strait::detail
