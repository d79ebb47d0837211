// The reading end of mailslot:// on Windows (see mailslot.hpp).
//
// Every read is sized to the next message (GetMailslotInfo): Wine returns a
// message cut to a smaller buffer where Windows fails and keeps it. A read
// that has to wait for a message uses a buffer one byte over the maximum, and
// so does one whose next size is the maximum (Wine reports a larger message,
// which it does not refuse, as that size), so a larger message from a writer
// that ignored the maximum is seen and dropped (message_too_large) either way. The wait is the mailslot's own read timeout
// (SetMailslotInfo), set from the caller's deadline.
//
// Asynchronous receive: a mailslot handle cannot join an I/O completion port
// and a blocked read cannot be cancelled under Wine (CreateMailslot gives a
// synchronous handle there), so a helper thread of the reader does the
// waiting read and posts what it got to the io_context. A cancelled receive
// completes at once; the read goes on and its message is kept for the next
// receive (C8). Closing wakes the helper with an empty message to itself.
// The receive the helper reads for is dropped when the io_context shuts down
// (pending_completions.hpp).
// Wine also reports a zero-length message as ERROR_BROKEN_PIPE, which a
// mailslot server handle cannot otherwise get: it reads as an empty message.
#include <windows.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <asio/post.hpp>

#include "handle.hpp"
#include "mailslot.hpp"
#include "mailslot_backend.hpp"
#include "pending_completions.hpp"
#include "published_mapping.hpp"
#include "security.hpp"

namespace strait::detail {
namespace {

// The mailslot read timeout that waits until `until`.
DWORD timeout_for(deadline until) noexcept {
  if (until == no_deadline) return MAILSLOT_WAIT_FOREVER;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock::now());
  return static_cast<DWORD>(std::clamp<std::int64_t>(left.count(), 0, MAILSLOT_WAIT_FOREVER - 1));
}

// A message taken by the helper thread, or why it could not be.
struct arrival {
  std::error_code ec;
  std::vector<std::byte> message;
};

// What the reader and its helper thread share: the handle and the read
// state. The helper owns a reference, so the handle outlives a helper that
// could not be woken (it ends with the next message).
struct slot_state final : keeps_completions {
  unique_handle slot;
  std::size_t max_message_size = 0;
  DWORD native_timeout = MAILSLOT_WAIT_FOREVER;  // as last set; only the one reading touches it

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<arrival> arrived;  // taken by the helper, not handed out yet
  message_completion waiting;   // the async receive the helper reads for
  bool want = false;            // the helper should read
  bool reading = false;         // the helper is in a read
  bool closing = false;

  void drop_completions() noexcept override {
    message_completion dropped;
    std::lock_guard lock(mutex);
    dropped = std::exchange(waiting, {});
  }  // `dropped` goes after the lock: it releases the io_context's work

  // One whole message, waiting up to `until`. Called by one thread at a time.
  std::vector<std::byte> read_one(HANDLE event, deadline until, std::error_code& ec) {
    DWORD next = MAILSLOT_NO_MESSAGE;
    if (!::GetMailslotInfo(slot.get(), nullptr, &next, nullptr, nullptr)) {
      ec = last_system_error();
      return {};
    }
    const bool known = next != MAILSLOT_NO_MESSAGE;
    // At least one byte: Wine answers a zero-byte read without taking the
    // zero-length message it was meant for. One over the maximum when the
    // next size is the maximum: Wine reports an oversized message as that.
    const std::size_t size = !known || next >= max_message_size
                                 ? max_message_size + 1
                                 : std::max<std::size_t>(next, 1);
    std::vector<std::byte> message(size);
    if ((ec = set_timeout(known ? 0 : timeout_for(until)))) return {};
    DWORD n = 0;
    const DWORD e = read(event, message.data(), static_cast<DWORD>(size), until, n);
    switch (e) {
      case 0:
        if (n > max_message_size) {
          ec = make_error_code(errc::message_too_large);  // M3: a writer that did not check
          return {};
        }
        ec = {};
        message.resize(n);
        return message;
      case ERROR_BROKEN_PIPE:  // Wine's zero-length message
        ec = {};
        return {};
      case ERROR_SEM_TIMEOUT:
      case ERROR_OPERATION_ABORTED:  // our own cancel at the deadline
        ec = make_error_code(errc::timed_out, static_cast<int>(e));
        return {};
      case ERROR_INSUFFICIENT_BUFFER:  // Windows: over max + 1 bytes, kept
        ec = drop_next(event);
        if (!ec) ec = make_error_code(errc::message_too_large);
        return {};
      default:
        ec = map_system_error(static_cast<int>(e));
        return {};
    }
  }

  std::error_code set_timeout(DWORD ms) {
    if (ms == native_timeout) return {};
    if (!::SetMailslotInfo(slot.get(), ms)) return last_system_error();
    native_timeout = ms;
    return {};
  }

  // One ReadFile, waited for. Under Wine it blocks in the call (bounded by the
  // mailslot's timeout); on a handle that pends, the deadline is ours.
  DWORD read(HANDLE event, void* data, DWORD size, deadline until, DWORD& n) {
    OVERLAPPED ov{};
    // The low bit keeps a completion packet off any port: this read is ours alone.
    ov.hEvent = reinterpret_cast<HANDLE>(reinterpret_cast<ULONG_PTR>(event) | 1);
    n = 0;
    if (::ReadFile(slot.get(), data, size, &n, &ov)) return 0;
    const DWORD e = ::GetLastError();
    if (e != ERROR_IO_PENDING) return e;
    if (!wait_until(event, until)) ::CancelIoEx(slot.get(), &ov);
    return ::GetOverlappedResult(slot.get(), &ov, &n, TRUE) ? 0 : ::GetLastError();
  }

  // Takes and drops the next message, whatever its size.
  std::error_code drop_next(HANDLE event) {
    DWORD next = MAILSLOT_NO_MESSAGE;
    if (!::GetMailslotInfo(slot.get(), nullptr, &next, nullptr, nullptr)) return last_system_error();
    if (next == MAILSLOT_NO_MESSAGE) return {};
    std::vector<std::byte> rest(std::max<DWORD>(next, 1));
    if (auto ec = set_timeout(0)) return ec;
    DWORD n = 0;
    const DWORD e = read(event, rest.data(), static_cast<DWORD>(rest.size()), clock::now(), n);
    return e == 0 || e == ERROR_BROKEN_PIPE ? std::error_code{} : map_system_error(static_cast<int>(e));
  }
};

void helper_main(std::shared_ptr<slot_state> s, asio::io_context& io, unique_handle event) {
  std::unique_lock lock(s->mutex);
  for (;;) {
    s->changed.wait(lock, [&] { return s->closing || s->want; });
    if (s->closing) return;
    s->reading = true;
    lock.unlock();
    arrival a;
    a.message = s->read_one(event.get(), no_deadline, a.ec);
    lock.lock();
    s->reading = false;
    s->want = false;
    if (s->closing) return;  // most likely our own wake-up; the mailslot is going away
    s->arrived.push_back(std::move(a));
    s->changed.notify_all();
    if (s->waiting) {
      auto next = std::move(s->arrived.front());
      s->arrived.pop_front();
      asio::post(io, [done = std::exchange(s->waiting, {}), a = std::move(next)]() mutable {
        done(a.ec, std::move(a.message));
      });
    }
  }
}

class win32_mailslot_reader final : public mailslot_reader {
 public:
  win32_mailslot_reader(asio::io_context& io, const std::string& name, std::size_t max,
                        std::shared_ptr<slot_state> state, unique_handle info,
                        unique_handle read_event)
      : mailslot_reader(io, "mailslot://" + name, max),
        name_(name),
        state_(std::move(state)),
        info_(std::move(info)),
        read_event_(std::move(read_event)) {}

  ~win32_mailslot_reader() override { close(); }

  native_handle_type native_handle() const override {
    return state_ ? state_->slot.get() : nullptr;
  }

 protected:
  std::vector<std::byte> fetch(deadline until, std::error_code& ec) override {
    {
      std::unique_lock lock(state_->mutex);
      for (;;) {
        if (!state_->arrived.empty()) return take_arrived(ec);
        // A read of the helper's (a cancelled async receive's) is under way:
        // its message comes first, so wait for it rather than read past it.
        if (!state_->reading && !state_->want) break;
        if (until == no_deadline) {
          state_->changed.wait(lock);
        } else if (state_->changed.wait_until(lock, until) == std::cv_status::timeout &&
                   state_->arrived.empty()) {
          ec = make_error_code(errc::timed_out);
          return {};
        }
      }
    }
    return state_->read_one(read_event_.get(), until, ec);
  }

  void async_fetch(message_completion done) override {
    std::unique_lock lock(state_->mutex);
    if (!state_->arrived.empty()) {
      std::error_code ec;
      auto message = take_arrived(ec);
      asio::post(io_, [done = std::move(done), ec, m = std::move(message)]() mutable {
        done(ec, std::move(m));
      });
      return;
    }
    state_->waiting = std::move(done);
    state_->want = true;
    if (!helper_.joinable()) {
      unique_handle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
      if (!event) {
        state_->want = false;
        asio::post(io_, [done = std::exchange(state_->waiting, {}),
                         ec = last_system_error()]() mutable { done(ec, {}); });
        return;
      }
      helper_ = std::thread(helper_main, state_, std::ref(io_), std::move(event));
    }
    state_->changed.notify_all();
  }

  void cancel_fetch() override {
    std::unique_lock lock(state_->mutex);
    if (!state_->waiting) return;
    // A read already under way goes on; its message waits in `arrived` (C8).
    if (!state_->reading) state_->want = false;
    asio::post(io_, [done = std::exchange(state_->waiting, {})]() mutable {
      done(make_error_code(errc::operation_aborted), {});
    });
  }

  std::optional<std::size_t> system_next_size(std::error_code& ec) override {
    std::unique_lock lock(state_->mutex);
    ec = {};
    if (!state_->arrived.empty()) return state_->arrived.front().message.size();
    DWORD next = MAILSLOT_NO_MESSAGE;
    if (!::GetMailslotInfo(state_->slot.get(), nullptr, &next, nullptr, nullptr)) {
      ec = last_system_error();
      return std::nullopt;
    }
    if (next == MAILSLOT_NO_MESSAGE) return std::nullopt;
    return next;
  }

  std::size_t system_pending(std::error_code& ec) override {
    std::unique_lock lock(state_->mutex);
    DWORD next = MAILSLOT_NO_MESSAGE, count = 0;
    if (!::GetMailslotInfo(state_->slot.get(), nullptr, &next, &count, nullptr)) {
      ec = last_system_error();
      return 0;
    }
    ec = {};
    // Wine counts at most one message, and none when the next one is empty:
    // a next message means at least one.
    if (next != MAILSLOT_NO_MESSAGE) count = std::max<DWORD>(count, 1);
    return state_->arrived.size() + count;
  }

  void close_system() override {
    if (!state_) return;
    bool blocked = false;
    {
      std::unique_lock lock(state_->mutex);
      state_->closing = true;
      blocked = state_->reading;
    }
    state_->changed.notify_all();
    bool detached = false;
    if (helper_.joinable()) {
      if (!blocked || wake_helper()) {
        helper_.join();
      } else {
        helper_.detach();  // ends with the next message; it holds the state and handle
        detached = true;
      }
    }
    if (!detached) state_->slot.reset();  // the name is free again (M2)
    info_.reset();
    state_.reset();
  }

 private:
  std::vector<std::byte> take_arrived(std::error_code& ec) {
    auto a = std::move(state_->arrived.front());
    state_->arrived.pop_front();
    ec = a.ec;
    return std::move(a.message);
  }

  // An empty message to ourselves ends the helper's blocked read.
  bool wake_helper() {
    const unique_handle self(::CreateFileW(mailslot_path(name_).c_str(), GENERIC_WRITE,
                                           FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
    DWORD written = 0;
    return self && ::WriteFile(self.get(), "", 0, &written, nullptr);
  }

  std::string name_;
  std::shared_ptr<slot_state> state_;
  unique_handle info_;        // the published maximum, for writers
  unique_handle read_event_;  // for reads on the caller's thread
  std::thread helper_;
};

// Publishes the maximum for strait's writers (mailslot.hpp).
unique_handle publish_info(const std::string& name, std::size_t max, SECURITY_ATTRIBUTES* security,
                           std::error_code& ec) {
  mailslot_info info;
  info.max_message_size = static_cast<std::uint32_t>(max);
  return publish_mapping(mailslot_info_name(name), &info, sizeof(info), security, ec);
}

}  // namespace

std::shared_ptr<mailslot_reader> create_local_mailslot(asio::io_context& io,
                                                       const std::string& name,
                                                       std::size_t max_message_size,
                                                       std::error_code& ec) {
  auto security = private_security::create(ec);  // N2: this user only
  if (!security) return nullptr;
  auto state = std::make_shared<slot_state>();
  state->max_message_size = max_message_size;
  drop_at_shutdown(io, state);
  // The native maximum too, so that Windows refuses larger writes of plain
  // Win32 writers; the wait is set per read.
  state->slot.reset(::CreateMailslotW(mailslot_path(name).c_str(),
                                      static_cast<DWORD>(max_message_size), MAILSLOT_WAIT_FOREVER,
                                      security->attributes()));
  if (!state->slot) {
    ec = last_system_error();  // ERROR_ALREADY_EXISTS (183) while a reader lives (M2)
    return nullptr;
  }
  auto info = publish_info(name, max_message_size, security->attributes(), ec);
  if (ec) return nullptr;
  unique_handle read_event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
  if (!read_event) {
    ec = last_system_error();
    return nullptr;
  }
  return std::make_shared<win32_mailslot_reader>(io, name, max_message_size, std::move(state),
                                                 std::move(info), std::move(read_event));
}

}  // namespace strait::detail
