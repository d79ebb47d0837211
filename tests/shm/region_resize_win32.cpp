// resize_shared_object on Windows. Not a test itself: the attack of
// strait_shm_hostile_client, whose outcome the security.shm_*_region cases
// assert (the server survives; the client exits 0 when the size did not
// change). A pagefile-backed section (file mapping) keeps the size it was
// created with (S6). Two ways are tried on the connection's section, opened
// by name: NtExtendSection, the one call meant to change a section's size
// (Wine has none), and creating the name again with the new size, which
// any process of the user may do. The size is read back, so the test sees
// what the system did rather than what we expect of it.
#include <windows.h>

#include <cstdint>
#include <cstdio>

#include "handle.hpp"         // platform/win32
#include "named_object.hpp"   // platform/win32
#include "ntdll_call.hpp"     // platform/win32
#include "named_objects.hpp"  // core/src
#include "region_resize.hpp"

namespace strait::test {
namespace {

struct section_basic_information {
  void* base;
  ULONG attributes;
  LARGE_INTEGER size;
};
using nt_extend_section = LONG(NTAPI*)(HANDLE, PLARGE_INTEGER);
using nt_query_section = LONG(NTAPI*)(HANDLE, int, void*, ULONG, ULONG*);
constexpr int section_basic_information_class = 0;

}  // namespace

resize_outcome resize_shared_object(const void*, const std::string& locator,
                                    std::size_t new_size, std::string& why) {
  const auto query = detail::ntdll_call<nt_query_section>("NtQuerySection");
  if (!query) {
    why = "ntdll has no NtQuerySection";
    return resize_outcome::not_tried;
  }
  const auto name = detail::native_object_name(detail::kind_shm, locator, {});
  const detail::unique_handle section(
      ::OpenFileMappingW(SECTION_EXTEND_SIZE | SECTION_QUERY, FALSE, name.c_str()));
  if (!section) {
    const DWORD error = ::GetLastError();
    why = "cannot open the section to extend it: error " + std::to_string(error);
    // Denied the right to extend it is a refusal; not finding it shows nothing.
    return error == ERROR_ACCESS_DENIED ? resize_outcome::refused : resize_outcome::not_tried;
  }
  const auto size_now = [&] {
    section_basic_information info{};
    const LONG status =
        query(section.get(), section_basic_information_class, &info, sizeof info, nullptr);
    return status >= 0 ? info.size.QuadPart : -1;
  };
  const auto before = size_now();
  if (before < 0) {
    why = "NtQuerySection cannot read the size";
    return resize_outcome::not_tried;
  }
  char text[200];
  if (const auto extend = detail::ntdll_call<nt_extend_section>("NtExtendSection")) {
    LARGE_INTEGER wanted;
    wanted.QuadPart = static_cast<LONGLONG>(new_size);
    const LONG status = extend(section.get(), &wanted);
    if (size_now() != before) return resize_outcome::resized;
    std::snprintf(text, sizeof text, "NtExtendSection: status 0x%08lx; ",
                  static_cast<unsigned long>(status));
    why = text;
  }
  // A section of size 0 cannot be asked for: 1 byte stands for truncating.
  const auto asked = static_cast<std::uint64_t>(new_size == 0 ? 1 : new_size);
  const detail::unique_handle again(::CreateFileMappingW(
      INVALID_HANDLE_VALUE, nullptr, PAGE_READWRITE, static_cast<DWORD>(asked >> 32),
      static_cast<DWORD>(asked & 0xffffffffu), name.c_str()));
  const DWORD error = ::GetLastError();  // ERROR_ALREADY_EXISTS: it opened the section
  const auto after = size_now();
  if (after != before) return resize_outcome::resized;
  std::snprintf(text, sizeof text, "CreateFileMapping of %llu B: error %lu; the size stays %lld",
                static_cast<unsigned long long>(asked), static_cast<unsigned long>(error),
                static_cast<long long>(after));
  why += text;
  return resize_outcome::refused;
}

}  // namespace strait::test
