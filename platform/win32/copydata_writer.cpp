// The writing end of copydata:// on Windows: SendMessageTimeout(WM_COPYDATA)
// to the reader's message-only window (copydata://NAME) or to any program's
// window (copydata://window/CLASS[/TITLE]). A send returns once the window
// procedure has run; for a strait reader, once the message is queued.
//
// Errors: the send timeout running out is timed_out (ERROR_TIMEOUT, 1460;
// the system withdraws a message the window has not taken, C8); a window
// that is gone is broken_pipe (C4); UIPI refusing a send to a process of
// higher integrity is access_denied (5).
//
// async_send runs SendMessageTimeout on the Windows thread pool, never on a
// std::thread: winpthreads (mingw-w64 10) recycles a thread's record when a
// thread that has already returned is detached, while that thread's exit
// still uses it, and the next thread created then never runs its function
// (docs/wine.md, "A send that stalls").
#include <windows.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <optional>
#include <string_view>

#include <asio/post.hpp>
#include <fmt/format.h>

#include "copydata.hpp"
#include "copydata_backend.hpp"
#include "handle.hpp"
#include "security.hpp"

namespace strait::detail {
namespace {

// SendMessageTimeout's wait: until `until`, in milliseconds it can express.
UINT timeout_for(deadline until) noexcept {
  constexpr std::int64_t longest = 0x7fffffff;  // ~24 days: "forever" for a send
  if (until == no_deadline) return static_cast<UINT>(longest);
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock::now());
  return static_cast<UINT>(std::clamp<std::int64_t>(left.count(), 0, longest));
}

class win32_copydata_writer final : public copydata_writer,
                                    public std::enable_shared_from_this<win32_copydata_writer> {
 public:
  // `strait_reader`: the window is a strait reader's, whose answers mean
  // something (copydata_answer); another program's answer is only reported.
  win32_copydata_writer(asio::io_context& io, HWND window, std::string url, std::size_t max,
                        std::uintptr_t data, bool strait_reader)
      : copydata_writer(max), io_(io), window_(window), url_(std::move(url)), data_(data),
        strait_reader_(strait_reader) {}

  // Never while a send is queued or under way: the pool's callback holds
  // the writer until the queue is empty. Destroyed by that callback, the
  // work object is freed once the callback returns.
  ~win32_copydata_writer() override {
    if (work_) ::CloseThreadpoolWork(work_);
  }

  asio::any_io_executor get_executor() const override { return io_.get_executor(); }

  void send(asio::const_buffer message, deadline until, std::error_code& ec) override {
    if ((ec = check(message))) return;
    COPYDATASTRUCT data{};
    data.dwData = static_cast<ULONG_PTR>(data_);
    data.cbData = static_cast<DWORD>(message.size());
    data.lpData = const_cast<void*>(message.data());
    DWORD_PTR result = 0;
    do {
      // A full strait reader took nothing: sent again, this waits until it
      // pumps with room, or times out and is withdrawn (C8).
      if (!::SendMessageTimeoutW(window_, WM_COPYDATA, 0, reinterpret_cast<LPARAM>(&data),
                                 SMTO_NORMAL | SMTO_ERRORONEXIT, timeout_for(until), &result)) {
        ec = send_failure(::GetLastError());
        return;
      }
    } while (strait_reader_ && result == static_cast<DWORD_PTR>(copydata_answer::full));
    last_result_ = static_cast<std::intptr_t>(result);
    ec = strait_reader_ ? reader_answer(result) : std::error_code{};
  }

  // SendMessageTimeout cannot wait on the io_context: a pool thread does,
  // and the completion comes back through the io_context. One send at a
  // time, as on every channel. Cancel cannot withdraw a send under way; it
  // completes as the window answers.
  void async_send(asio::const_buffer message, size_completion done) override {
    if (auto ec = check(message)) return post(std::move(done), ec, 0);
    std::lock_guard lock(mutex_);
    if (in_flight_) return post(std::move(done), make_error_code(errc::invalid_argument), 0);
    if (!work_) work_ = ::CreateThreadpoolWork(&win32_copydata_writer::run_sends, this, nullptr);
    if (!work_) return post(std::move(done), last_system_error(), 0);
    queued_ = queued_send{message, std::move(done)};
    in_flight_ = true;
    if (sending_) return;  // the running callback takes it
    sending_ = shared_from_this();
    ::SubmitThreadpoolWork(work_);
  }

  void cancel() override {}
  void close() override { open_ = false; }
  bool is_open() const override { return open_; }
  std::string endpoint() const override { return url_; }
  native_handle_type native_handle() const override { return window_; }

 private:
  std::error_code check(asio::const_buffer message) const {
    if (!open_) return make_error_code(errc::broken_pipe);
    if (message.size() > max_) return make_error_code(errc::message_too_large);  // C9
    return {};
  }

  std::error_code send_failure(DWORD e) const {
    if (e == ERROR_TIMEOUT) return make_error_code(errc::timed_out, static_cast<int>(e));
    if (!::IsWindow(window_)) return make_error_code(errc::broken_pipe, static_cast<int>(e));  // C4
    if (e == 0) return make_error_code(errc::broken_pipe);  // its thread ended mid-send
    return map_system_error(static_cast<int>(e));  // UIPI: ERROR_ACCESS_DENIED
  }

  static std::error_code reader_answer(DWORD_PTR result) {
    switch (static_cast<copydata_answer>(result)) {
      case copydata_answer::queued: return {};
      case copydata_answer::too_large: return make_error_code(errc::message_too_large);  // C9
      case copydata_answer::full: break;  // sent again by send()
    }
    // 0: the reader is closing and took nothing; anything else: not a strait reader.
    return make_error_code(result == 0 ? errc::broken_pipe : errc::protocol_error);
  }

  void post(size_completion done, std::error_code ec, std::size_t n) {
    asio::post(io_, [done = std::move(done), ec, n]() mutable { done(ec, n); });
  }

  // The pool's callback: sends what is queued (the completion's handler may
  // queue the next), then lets the writer go. Nothing here may touch the
  // writer after `keep` is released.
  static void CALLBACK run_sends(PTP_CALLBACK_INSTANCE, void* context, PTP_WORK) {
    auto& self = *static_cast<win32_copydata_writer*>(context);
    std::shared_ptr<win32_copydata_writer> keep;  // released last, after `lock`
    std::unique_lock lock(self.mutex_);
    while (self.queued_) {
      auto next = std::move(*self.queued_);
      self.queued_.reset();
      lock.unlock();
      std::error_code ec;
      self.send(next.message, no_deadline, ec);
      lock.lock();
      self.in_flight_ = false;  // before the completion, whose handler may send again
      self.post(std::move(next.done), ec, ec ? 0 : next.message.size());
    }
    keep = std::move(self.sending_);
  }

  struct queued_send {
    asio::const_buffer message;
    size_completion done;
  };

  asio::io_context& io_;
  HWND window_;
  std::string url_;
  std::uintptr_t data_;
  bool strait_reader_;
  std::atomic<bool> open_{true};  // read by the pool's callback too (send checks it)
  std::mutex mutex_;  // guards the four below
  PTP_WORK work_ = nullptr;
  bool in_flight_ = false;  // from async_send until its completion is posted
  std::optional<queued_send> queued_;
  std::shared_ptr<win32_copydata_writer> sending_;  // set while the callback has sends to run
};

std::wstring widen(const std::string& utf8) {
  if (utf8.empty()) return {};
  const int n = ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()),
                                      nullptr, 0);
  std::wstring out(static_cast<std::size_t>(std::max(n, 0)), L'\0');
  if (n > 0)
    ::MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), out.data(), n);
  return out;
}

// The message-only window of NAME's class: a plain Win32 reader's, or a
// strait reader's that has not published it yet.
HWND window_of_class(const std::string& name, std::error_code& ec) {
  const HWND found =
      ::FindWindowExW(HWND_MESSAGE, nullptr, copydata_window_class(name).c_str(), nullptr);
  ec = found ? std::error_code{} : make_error_code(errc::not_found);  // nobody reads NAME (C5)
  return found;
}

// The window a strait reader of NAME published (copydata.hpp), checked: the
// mapping is owned by the expected user (N2), and the window it names is
// still the reader's (its process and GWLP_USERDATA). A stale one (its
// reader is stopping) is not_found. No mapping, or one still being written
// (all zero: it is created so, and written just after), is looked up by
// class; the caller checks that window's user as well (N2).
HWND reader_window(const std::string& name, std::string_view expected_user, std::error_code& ec) {
  const unique_handle mapping(::OpenFileMappingW(FILE_MAP_READ | READ_CONTROL, FALSE,
                                                 copydata_window_info_name(name).c_str()));
  if (!mapping) return window_of_class(name, ec);
  if ((ec = check_object_owner(object_owner_sid(mapping.get()), expected_user))) {
    note_failure(fmt::format("the window of copydata://{} was published by another user", name));
    return nullptr;
  }
  copydata_window_info info;
  const void* view =
      ::MapViewOfFile(mapping.get(), FILE_MAP_READ, 0, 0, sizeof(copydata_window_info));
  if (!view) {
    ec = last_system_error();
    return nullptr;
  }
  std::memcpy(&info, view, sizeof(info));
  ::UnmapViewOfFile(view);
  if (info.magic == 0) return window_of_class(name, ec);
  const HWND window = reinterpret_cast<HWND>(static_cast<std::uintptr_t>(info.window));
  DWORD pid = 0;
  const bool current =
      info.magic == copydata_window_info::magic_value && ::IsWindow(window) &&
      ::GetWindowThreadProcessId(window, &pid) != 0 && pid == info.process_id &&
      static_cast<std::uint64_t>(::GetWindowLongPtrW(window, GWLP_USERDATA)) == info.user_data;
  ec = current ? std::error_code{} : make_error_code(errc::not_found);
  return current ? window : nullptr;
}

}  // namespace

std::shared_ptr<channel_backend> connect_copydata(asio::io_context& io, const std::string& name,
                                                  const connect_options& options,
                                                  std::error_code& ec) {
  const HWND window = reader_window(name, options.server_user, ec);
  if (!window) return nullptr;
  // N2: window classes are not private; the reader must run as the user we expect.
  DWORD pid = 0;
  ::GetWindowThreadProcessId(window, &pid);
  const auto owner = process_user_sid(pid);
  if ((ec = check_server_user(owner, options.server_user))) {
    note_failure(fmt::format("the window of copydata://{} belongs to process {} of {}", name, pid,
                             owner.empty() ? std::string("an unknown user") : owner));
    return nullptr;
  }
  return std::make_shared<win32_copydata_writer>(
      io, window, "copydata://" + name, std::min(options.max_message_size, copydata_size_limit),
      options.copydata_data, true);
}

std::shared_ptr<channel_backend> connect_copydata_window(asio::io_context& io,
                                                         const window_address& address,
                                                         const std::string& url,
                                                         const connect_options& options,
                                                         std::error_code& ec) {
  const auto class_name = widen(address.class_name);
  const auto title = address.title ? widen(*address.title) : std::wstring();
  const wchar_t* title_or_any = address.title ? title.c_str() : nullptr;
  HWND window = ::FindWindowExW(nullptr, nullptr, class_name.c_str(), title_or_any);  // top-level
  if (!window) window = ::FindWindowExW(HWND_MESSAGE, nullptr, class_name.c_str(), title_or_any);
  if (!window) {
    ec = make_error_code(errc::not_found);
    return nullptr;
  }
  ec = {};
  return std::make_shared<win32_copydata_writer>(
      io, window, url, std::min(options.max_message_size, copydata_size_limit),
      options.copydata_data, false);
}

}  // namespace strait::detail
