// named_event on Windows: a named kernel event, manual or automatic reset (S4).
// Async waits: object_async_wait (named_object.hpp).
#include "named_object.hpp"

namespace strait::detail {
namespace {

struct win32_named_event final : named_event::impl {
  unique_handle handle;
  async_waits waits;  // last: its threads end before the handle is closed

  std::error_code set() override {
    return ::SetEvent(handle.get()) ? std::error_code{} : last_system_error();
  }
  std::error_code reset() override {
    return ::ResetEvent(handle.get()) ? std::error_code{} : last_system_error();
  }
  std::error_code wait(deadline until) override { return wait_for_object(handle.get(), until); }

  void async_wait(wait_completion done, const asio::any_io_executor& ex) override {
    start_object_wait(waits, handle.get(), std::move(done), ex);
  }

  void cancel() noexcept override { waits.cancel(); }
};

}  // namespace

std::unique_ptr<named_event::impl> open_named_event(open_mode mode, const std::string& name,
                                                    const event_options& options,
                                                    std::error_code& ec) {
  auto p = std::make_unique<win32_named_event>();
  p->handle = create_or_open_object(
      mode, native_object_name(kind_event, name, options),
      [&options](SECURITY_ATTRIBUTES* sa, const wchar_t* n) {
        return ::CreateEventW(sa, options.reset == event_reset::manual ? TRUE : FALSE,
                              options.initially_set ? TRUE : FALSE, n);
      },
      [](const wchar_t* n) { return ::OpenEventW(SYNCHRONIZE | EVENT_MODIFY_STATE | READ_CONTROL, FALSE, n); },
      p->created, ec);
  if (ec) return nullptr;
  p->name = name;
  return p;
}

}  // namespace strait::detail
