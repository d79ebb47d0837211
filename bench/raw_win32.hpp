// Small helpers shared by the raw Windows baselines (raw_win32_*.cpp): an
// owned HANDLE and Win32 errors as bench_error. The baselines use no strait code.
#pragma once

#include <windows.h>

#include <string>
#include <utility>

#include <fmt/format.h>

#include "mechanism.hpp"

namespace strait::bench {

class win32_handle {
 public:
  explicit win32_handle(HANDLE h = nullptr) noexcept : h_(h) {}
  win32_handle(win32_handle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  win32_handle& operator=(win32_handle&& o) noexcept {
    std::swap(h_, o.h_);
    return *this;
  }
  ~win32_handle() {
    if (valid()) ::CloseHandle(h_);
  }
  bool valid() const noexcept { return h_ && h_ != INVALID_HANDLE_VALUE; }
  HANDLE get() const noexcept { return h_; }

 private:
  HANDLE h_;
};

// A pipe name's path on this machine ("raw named pipe" addresses are a name).
inline std::string named_pipe_path(const std::string& name) { return "\\\\.\\pipe\\" + name; }

[[noreturn]] inline void fail_win32(const std::string& what, DWORD error = ::GetLastError()) {
  throw bench_error(fmt::format("{}: Win32 error {}", what, error));
}

}  // namespace strait::bench
