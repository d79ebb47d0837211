#include <windows.h>

#include <cstdint>
#include <set>

#include "child_platform.hpp"

namespace strait::test {
namespace {

// Handle values are multiples of 4 and inherited ones keep the parent's; a
// test process holds a few hundred at most. (Each probe is a wineserver call
// under Wine, whose GetProcessHandleCount undercounts: the bound is fixed.)
constexpr std::uintptr_t highest_probed_handle = 1 << 14;

constexpr char everything_expected[] = "the channel and the standard streams";

std::uintptr_t value_of(HANDLE h) { return reinterpret_cast<std::uintptr_t>(h); }

}  // namespace

// Inheritable handle values differ from run to run, so this names them by
// role: everything_expected when the inheritable handles are exactly the
// channel's end and the standard streams, else what is more or less.
std::string inherited_descriptors() {
  std::set<std::uintptr_t> own;
  char channel[32] = "";
  if (::GetEnvironmentVariableA("STRAIT_PARENT_CHANNEL", channel, sizeof channel) > 0)
    own.insert(std::stoull(channel));
  for (const DWORD which : {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE}) {
    const HANDLE h = ::GetStdHandle(which);
    if (h != nullptr && h != INVALID_HANDLE_VALUE) own.insert(value_of(h));
  }
  std::string report = everything_expected;
  for (std::uintptr_t v = 4; v <= highest_probed_handle; v += 4) {
    DWORD flags = 0;
    const bool inheritable = ::GetHandleInformation(reinterpret_cast<HANDLE>(v), &flags) &&
                             (flags & HANDLE_FLAG_INHERIT);
    if (inheritable && !own.contains(v)) report += ", and handle " + std::to_string(v);
    if (!inheritable && own.contains(v)) report += ", less handle " + std::to_string(v);
  }
  return report;
}

std::string expected_inherited_descriptors() { return everything_expected; }

void set_parent_channel_variable(const std::string& value) {
  std::string text = value;
  if (value == "file")  // a handle, but of the null device
    text = std::to_string(value_of(::CreateFileW(L"NUL", GENERIC_READ, 0, nullptr, OPEN_EXISTING,
                                                 0, nullptr)));
  if (value == "unconnected") {  // a pipe, but a byte pipe's read end
    HANDLE read_end = nullptr, write_end = nullptr;
    ::CreatePipe(&read_end, &write_end, nullptr, 0);
    text = std::to_string(value_of(read_end));
  }
  ::SetEnvironmentVariableA("STRAIT_PARENT_CHANNEL", text.c_str());
}

std::uint64_t own_process_id() { return ::GetCurrentProcessId(); }

}  // namespace strait::test
