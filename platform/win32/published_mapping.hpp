// A small named file mapping a reader publishes for its writers: the
// mailslot reader's maximum (mailslot.hpp), the copydata reader's window
// (copydata.hpp). Writers check who owns it (N2).
#pragma once

#include <windows.h>

#include <cstring>
#include <string>
#include <system_error>

#include "backend.hpp"
#include "handle.hpp"
#include "security.hpp"

namespace strait::detail {

// A mapping of `size` bytes named `name`, made with `security`, holding a
// copy of `data`. One another user made first (a squatter) is not ours to
// publish in: access_denied (N2). One of ours a writer still holds after an
// earlier reader of the name closed is.
inline unique_handle publish_mapping(const std::wstring& name, const void* data, std::size_t size,
                                     SECURITY_ATTRIBUTES* security, std::error_code& ec) {
  unique_handle mapping(::CreateFileMappingW(INVALID_HANDLE_VALUE, security, PAGE_READWRITE, 0,
                                             static_cast<DWORD>(size), name.c_str()));
  if (!mapping) {
    ec = last_system_error();
    return {};
  }
  if (::GetLastError() == ERROR_ALREADY_EXISTS &&
      (ec = check_object_owner(object_owner_sid(mapping.get()), {})))
    return {};
  void* view = ::MapViewOfFile(mapping.get(), FILE_MAP_WRITE, 0, 0, size);
  if (!view) {
    ec = last_system_error();
    return {};
  }
  std::memcpy(view, data, size);
  ::UnmapViewOfFile(view);
  ec = {};
  return mapping;
}

}  // namespace strait::detail
