// Ownership of Win32 kernel objects, for the Windows backends.
#pragma once

#include <windows.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <utility>

#include "backend.hpp"

namespace strait::detail {

// A HANDLE that is closed when its owner goes away. Both INVALID_HANDLE_VALUE
// (CreateFile, CreateNamedPipe) and nullptr (CreateEvent, CreateMutex) mean
// "none"; get() returns the value as the API produced it.
class unique_handle {
 public:
  unique_handle() noexcept = default;
  explicit unique_handle(HANDLE h) noexcept : h_(h) {}
  unique_handle(unique_handle&& other) noexcept : h_(other.release()) {}
  unique_handle& operator=(unique_handle&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~unique_handle() { reset(); }

  explicit operator bool() const noexcept { return h_ && h_ != INVALID_HANDLE_VALUE; }
  HANDLE get() const noexcept { return h_; }
  HANDLE release() noexcept { return std::exchange(h_, nullptr); }
  void reset(HANDLE h = nullptr) noexcept {
    if (*this) ::CloseHandle(h_);
    h_ = h;
  }

 private:
  HANDLE h_ = nullptr;
};

// Memory the system allocated with LocalAlloc (security descriptors, SID strings).
struct local_free {
  void operator()(void* p) const noexcept { ::LocalFree(p); }
};

// Waits until `object` is signalled (true) or `until` passes (false). Waits
// longer than WaitForSingleObject can express are made of several.
inline bool wait_until(HANDLE object, deadline until) noexcept {
  for (;;) {
    DWORD ms = INFINITE;
    if (until != no_deadline) {
      // A deadline long past (time_point::min(): "only look") would overflow
      // the subtraction.
      const auto now = clock::now();
      const auto left = until <= now ? std::chrono::milliseconds(0)
                                     : std::chrono::ceil<std::chrono::milliseconds>(until - now);
      ms = static_cast<DWORD>(std::clamp<std::int64_t>(left.count(), 0, INFINITE - 1));
    }
    const DWORD r = ::WaitForSingleObject(object, ms);
    if (r == WAIT_OBJECT_0 || r == WAIT_ABANDONED) return true;
    if (r != WAIT_TIMEOUT || ms == 0) return false;
  }
}

}  // namespace strait::detail
