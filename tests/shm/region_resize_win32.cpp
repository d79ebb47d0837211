// resize_shared_object on Windows. Not a test itself, and it declares none:
// the attack of strait_shm_hostile_client, whose outcome the
// security.shm_*_region cases assert (tests/security/shm_resize_test.cpp:
// the server survives; the client exits 0 when the size did not change, 4
// when it could not even try, which fails the case). Those cases do not run
// under Wine, which has no NtExtendSection (tests/security/CMakeLists.txt).
//
// A pagefile-backed section (file mapping) keeps the size it was created
// with (S6): NtExtendSection is the one call that changes a section's size.
// It is tried on the connection's section, opened by name with the right to
// extend it, and the size is read back, so the test sees what the system did
// rather than what we expect of it. Creating the name again with another
// size is no attack to try: CreateFileMapping then opens the existing
// section and ignores the size, by its documented contract, so a pass would
// show nothing of strait.
#include <windows.h>

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
  const auto extend = detail::ntdll_call<nt_extend_section>("NtExtendSection");
  const auto query = detail::ntdll_call<nt_query_section>("NtQuerySection");
  if (!extend || !query) {  // Wine 8 has no NtExtendSection: no call resizes a section there
    why = extend ? "ntdll has no NtQuerySection" : "ntdll has no NtExtendSection";
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
  LARGE_INTEGER wanted;
  wanted.QuadPart = static_cast<LONGLONG>(new_size);
  const LONG status = extend(section.get(), &wanted);
  const auto after = size_now();
  if (before < 0) {
    why = "NtQuerySection cannot read the size";
    return resize_outcome::not_tried;
  }
  if (after != before) return resize_outcome::resized;
  char text[160];
  std::snprintf(text, sizeof text, "NtExtendSection: status 0x%08lx, the size stays %lld",
                static_cast<unsigned long>(status), static_cast<long long>(after));
  why = text;
  return resize_outcome::refused;
}

}  // namespace strait::test
