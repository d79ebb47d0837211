// named_mutex on Windows: a named kernel mutex. WAIT_ABANDONED is S3.
#include "named_object.hpp"

namespace strait::detail {
namespace {

struct win32_named_mutex final : named_mutex::impl {
  unique_handle handle;

  std::error_code lock(deadline until) override { return wait_for_object(handle.get(), until); }

  std::error_code unlock() override {
    // ERROR_NOT_OWNER (288) when this thread does not own it: access_denied.
    return ::ReleaseMutex(handle.get()) ? std::error_code{} : last_system_error();
  }
};

}  // namespace

std::unique_ptr<named_mutex::impl> open_named_mutex(open_mode mode, const std::string& name,
                                                    const object_options& options,
                                                    std::error_code& ec) {
  auto p = std::make_unique<win32_named_mutex>();
  p->handle = create_or_open_object(
      mode, native_object_name(kind_mutex, name, options),
      [](SECURITY_ATTRIBUTES* sa, const wchar_t* n) { return ::CreateMutexW(sa, FALSE, n); },
      [](const wchar_t* n) { return ::OpenMutexW(SYNCHRONIZE | MUTEX_MODIFY_STATE | READ_CONTROL, FALSE, n); },
      p->created, ec);
  if (ec) return nullptr;
  p->name = name;
  return p;
}

}  // namespace strait::detail
