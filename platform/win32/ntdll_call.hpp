// A function of the native API, from ntdll (no import library needed).
#pragma once

#include <windows.h>

namespace strait::detail {

// `name` from ntdll as a `Call`, or nullptr where this ntdll has none.
template <class Call>
Call ntdll_call(const char* name) {
  const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  return ntdll ? reinterpret_cast<Call>(reinterpret_cast<void*>(::GetProcAddress(ntdll, name)))
               : nullptr;
}

}  // namespace strait::detail
