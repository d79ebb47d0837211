#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

#include "child_process.hpp"

namespace strait::test {
namespace {

bool is_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

std::uint32_t process_random() {
  static const std::uint32_t value = std::random_device{}();
  return value;
}

}  // namespace

std::string unique_name(std::string_view prefix) {
  static std::atomic<std::uint32_t> counter{0};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now).count();

  char suffix[96];
  std::snprintf(suffix, sizeof suffix, "-%llx-%llx-%x-%08x",
                static_cast<unsigned long long>(current_process_id()),
                static_cast<unsigned long long>(micros), counter.fetch_add(1) + 1,
                process_random());

  constexpr std::size_t max_length = 128;  // strait::max_name_length
  std::string name;
  for (const char c : prefix) name += is_name_char(c) ? c : '_';
  if (name.empty() || name.front() == '.' || name.front() == '-') name.insert(name.begin(), 't');
  name.resize(std::min(name.size(), max_length - std::string_view(suffix).size()));
  name.append(suffix);
  // STRAIT_TEST_NAME_LENGTH=N pads every name to N bytes, so that runs with
  // the longest names find path-length bugs (tests/CMakeLists.txt: macos_shaped).
  if (const char* wanted = std::getenv("STRAIT_TEST_NAME_LENGTH")) {
    const auto length = std::min<std::size_t>(std::strtoul(wanted, nullptr, 10), max_length);
    if (name.size() < length) name.insert(std::min(prefix.size(), name.size()), length - name.size(), 'x');
  }
  return name;
}

}  // namespace strait::test
