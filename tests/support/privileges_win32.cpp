#include "privileges.hpp"

#include <windows.h>

#include <vector>

namespace strait::test {

bool may_create_global_objects() {
  LUID create_global{};
  if (!::LookupPrivilegeValueW(nullptr, L"SeCreateGlobalPrivilege", &create_global)) return false;
  HANDLE token = nullptr;
  if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token)) return false;
  DWORD size = 0;
  ::GetTokenInformation(token, TokenPrivileges, nullptr, 0, &size);
  std::vector<unsigned char> buffer(size);
  const bool read = size > 0 && ::GetTokenInformation(token, TokenPrivileges, buffer.data(),
                                                      size, &size);
  ::CloseHandle(token);
  if (!read) return false;
  const auto* privileges = reinterpret_cast<const TOKEN_PRIVILEGES*>(buffer.data());
  for (DWORD i = 0; i < privileges->PrivilegeCount; ++i) {
    const LUID_AND_ATTRIBUTES& p = privileges->Privileges[i];
    if (p.Luid.LowPart == create_global.LowPart && p.Luid.HighPart == create_global.HighPart)
      return (p.Attributes & SE_PRIVILEGE_ENABLED) != 0;
  }
  return false;
}

}  // namespace strait::test
