// The reading end of copydata:// on Windows (see copydata.hpp): a
// message-only window pumped by a thread of the reader's own. Its window
// procedure copies each WM_COPYDATA into the inbox and answers
// copydata_answer::queued, so the sender's SendMessageTimeout returns once
// the message is queued.
//
// The thread stops pumping while the inbox is full: sent messages then wait
// in the system, and a send that times out there is withdrawn by it, never
// delivered (C8). One PeekMessage takes every sent message that is waiting,
// and one that comes while it runs: a message that finds the inbox full is
// answered copydata_answer::full, not taken, and its writer sends it again,
// so the inbox never passes copydata_queue_limit.
//
// Anyone on the desktop may send a window a message (no DACL guards a
// window; UIPI only keeps lower integrity levels out): a reader must treat
// what arrives as from any program of the session (docs/security.md).
#include <windows.h>

#include <cstdint>
#include <cstring>
#include <future>
#include <thread>

#include "copydata.hpp"
#include "copydata_backend.hpp"
#include "handle.hpp"
#include "published_mapping.hpp"
#include "security.hpp"

namespace strait::detail {
namespace {

LRESULT answer(copydata_answer a) { return static_cast<LRESULT>(a); }

constexpr DWORD pump_recheck_ms = 100;

// Publishes the reader's window for writers (copydata.hpp). `user_data` is
// the window's GWLP_USERDATA, given: read back from a thread other than the
// window's, Wine gave 0.
unique_handle publish_window(const std::string& name, HWND window, std::uintptr_t user_data,
                             SECURITY_ATTRIBUTES* security, std::error_code& ec) {
  copydata_window_info info;
  info.process_id = ::GetCurrentProcessId();
  info.window = reinterpret_cast<std::uintptr_t>(window);
  info.user_data = user_data;
  return publish_mapping(copydata_window_info_name(name), &info, sizeof(info), security, ec);
}

class win32_copydata_pump final : public copydata_pump {
 public:
  win32_copydata_pump(const std::string& name, std::shared_ptr<copydata_inbox> inbox,
                      unique_handle lock)
      : name_(name), class_name_(copydata_window_class(name)), inbox_(std::move(inbox)),
        lock_(std::move(lock)) {}

  ~win32_copydata_pump() override { stop(); }

  bool start(std::error_code& ec) {
    std::promise<std::error_code> started;
    auto result = started.get_future();
    thread_ = std::thread([this, &started] { run(started); });
    ec = result.get();
    if (ec) {
      thread_.join();
      lock_.reset();
      return false;
    }
    if (auto security = private_security::create(ec))
      published_ = publish_window(name_, window_, reinterpret_cast<std::uintptr_t>(this),
                                  security->attributes(), ec);
    if (ec) stop();
    return !ec;
  }

  void stop() override {
    if (!thread_.joinable()) return;
    // The inbox is closing: a thread waiting for room wakes by itself; one
    // waiting for messages wakes with this one.
    published_.reset();  // writers find no window from now on
    ::PostThreadMessageW(thread_id_, WM_QUIT, 0, 0);
    thread_.join();
    lock_.reset();  // the name is free again (C7)
  }

  native_handle_type native_handle() const override { return window_; }

 private:
  void run(std::promise<std::error_code>& started) {
    thread_id_ = ::GetCurrentThreadId();
    MSG msg;
    ::PeekMessageW(&msg, nullptr, 0, 0, PM_NOREMOVE);  // this thread's queue, for PostThreadMessage
    const HINSTANCE instance = ::GetModuleHandleW(nullptr);
    WNDCLASSEXW wc{};
    wc.cbSize = sizeof(wc);
    wc.lpfnWndProc = window_procedure;
    wc.hInstance = instance;
    wc.lpszClassName = class_name_.c_str();
    if (!::RegisterClassExW(&wc)) return started.set_value(last_system_error());
    window_ = ::CreateWindowExW(0, class_name_.c_str(), L"", 0, 0, 0, 0, 0, HWND_MESSAGE,
                                nullptr, instance, this);
    if (!window_) {
      const auto ec = last_system_error();
      ::UnregisterClassW(class_name_.c_str(), instance);
      return started.set_value(ec);
    }
    started.set_value({});
    pump();
    ::DestroyWindow(window_);
    ::UnregisterClassW(class_name_.c_str(), instance);
  }

  void pump() {
    for (;;) {
      if (!inbox_->wait_for_room()) return;
      // Bounded, so that a sent message this wait was not woken for is still
      // taken: under load, Wine runs saw sends stall until their timeout now
      // and then (cause not established; see the commit that added this).
      ::MsgWaitForMultipleObjectsEx(0, nullptr, pump_recheck_ms, QS_ALLINPUT, MWMO_INPUTAVAILABLE);
      MSG msg;
      // Room is checked before each take: a sender whose message comes
      // while the inbox is full waits (and may time out) in the system.
      while (inbox_->has_room() && ::PeekMessageW(&msg, nullptr, 0, 0, PM_REMOVE)) {
        if (msg.message == WM_QUIT) return;
        ::DispatchMessageW(&msg);
      }
    }
  }

  static LRESULT CALLBACK window_procedure(HWND window, UINT message, WPARAM wparam,
                                           LPARAM lparam) {
    if (message == WM_NCCREATE) {
      const auto* create = reinterpret_cast<const CREATESTRUCTW*>(lparam);
      ::SetWindowLongPtrW(window, GWLP_USERDATA,
                          reinterpret_cast<LONG_PTR>(create->lpCreateParams));
    } else if (message == WM_COPYDATA) {
      auto* self = reinterpret_cast<win32_copydata_pump*>(::GetWindowLongPtrW(window, GWLP_USERDATA));
      if (self) return self->take(*reinterpret_cast<const COPYDATASTRUCT*>(lparam));
    }
    return ::DefWindowProcW(window, message, wparam, lparam);
  }

  // The system's copy of the sender's bytes lives until we return: copied here.
  LRESULT take(const COPYDATASTRUCT& data) {
    if (data.cbData > inbox_->max_message_size()) return answer(copydata_answer::too_large);  // C9
    if (inbox_->full()) return answer(copydata_answer::full);
    copydata_entry entry{static_cast<std::uintptr_t>(data.dwData),
                         std::vector<std::byte>(data.cbData)};
    if (data.cbData > 0 && data.lpData) std::memcpy(entry.bytes.data(), data.lpData, data.cbData);
    return inbox_->put(std::move(entry)) ? answer(copydata_answer::queued) : 0;  // 0: closing
  }

  std::string name_;
  std::wstring class_name_;
  std::shared_ptr<copydata_inbox> inbox_;
  unique_handle lock_;
  unique_handle published_;  // the window, for writers (copydata.hpp)
  HWND window_ = nullptr;
  DWORD thread_id_ = 0;
  std::thread thread_;
};

// The one-reader lock of NAME (copydata.hpp): already_exists while a reader
// holds it; a squatter's (another user's) is access_denied (N2).
unique_handle take_name(const std::string& name, std::error_code& ec) {
  auto security = private_security::create(ec);
  if (!security) return {};
  unique_handle lock(::CreateMutexW(security->attributes(), FALSE, copydata_lock_name(name).c_str()));
  if (!lock) {
    ec = last_system_error();  // another object type of this name, or not ours to open
    return {};
  }
  if (::GetLastError() == ERROR_ALREADY_EXISTS) {
    ec = check_object_owner(object_owner_sid(lock.get()), {});
    if (!ec) ec = make_error_code(errc::already_exists, ERROR_ALREADY_EXISTS);
    return {};
  }
  ec = {};
  return lock;
}

}  // namespace

std::unique_ptr<copydata_pump> start_copydata_pump(const std::string& name,
                                                   std::shared_ptr<copydata_inbox> inbox,
                                                   std::error_code& ec) {
  auto lock = take_name(name, ec);
  if (!lock) return nullptr;
  auto pump = std::make_unique<win32_copydata_pump>(name, std::move(inbox), std::move(lock));
  if (!pump->start(ec)) return nullptr;
  return pump;
}

}  // namespace strait::detail
