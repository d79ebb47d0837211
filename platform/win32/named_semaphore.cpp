// named_semaphore on Windows: a named kernel semaphore. A release past the
// maximum is ERROR_TOO_MANY_POSTS (298), mapped to resource_exhausted (S5).
// Async acquires: object_async_wait (named_object.hpp).
#include "named_object.hpp"

namespace strait::detail {
namespace {

struct win32_named_semaphore final : named_semaphore::impl {
  unique_handle handle;
  async_waits waits;  // last: its threads end before the handle is closed

  std::error_code acquire(deadline until) override {
    return wait_for_object(handle.get(), until);
  }

  std::error_code release(std::uint32_t count, std::uint32_t& previous) override {
    LONG before = 0;
    if (!::ReleaseSemaphore(handle.get(), static_cast<LONG>(count), &before))
      return last_system_error();
    previous = static_cast<std::uint32_t>(before);
    return {};
  }

  void async_acquire(wait_completion done, const asio::any_io_executor& ex) override {
    start_object_wait(waits, handle.get(), std::move(done), ex);
  }

  void cancel() noexcept override { waits.cancel(); }
};

}  // namespace

std::unique_ptr<named_semaphore::impl> open_named_semaphore(open_mode mode,
                                                            const std::string& name,
                                                            const semaphore_options& options,
                                                            std::error_code& ec) {
  auto p = std::make_unique<win32_named_semaphore>();
  p->handle = create_or_open_object(
      mode, native_object_name(kind_semaphore, name, options),
      [&options](SECURITY_ATTRIBUTES* sa, const wchar_t* n) {
        return ::CreateSemaphoreW(sa, static_cast<LONG>(options.initial_count),
                                  static_cast<LONG>(options.maximum_count), n);
      },
      [](const wchar_t* n) {
        return ::OpenSemaphoreW(SYNCHRONIZE | SEMAPHORE_MODIFY_STATE | READ_CONTROL, FALSE, n);
      },
      p->created, ec);
  if (ec) return nullptr;
  p->name = name;
  return p;
}

}  // namespace strait::detail
