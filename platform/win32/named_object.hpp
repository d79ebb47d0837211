// Names, security and waits shared by the Windows named objects
// (shared_memory.cpp, named_mutex.cpp, named_semaphore.cpp, named_event.cpp).
#pragma once

#include <windows.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "async_waits.hpp"
#include "handle.hpp"
#include "named_objects.hpp"
#include "security.hpp"

namespace strait::detail {

// Local\strait.<kind>.<name>, or Global\... when asked (N2: scope is explicit).
// The kind keeps objects of different types apart: one name space holds
// them all, and a clash would be ERROR_INVALID_HANDLE.
inline std::wstring native_object_name(std::string_view kind, const std::string& name,
                                       const object_options& options) {
  const std::string text = std::string(options.scope == object_scope::global ? "Global\\"
                                                                             : "Local\\") +
                           "strait." + std::string(kind) + "." + name;
  return std::wstring(text.begin(), text.end());  // the name grammar is ASCII (N1)
}

// The last error of a CreateXxx call that returned `h`: ERROR_ALREADY_EXISTS
// when it opened an existing object. Read right after the call.
inline bool opened_existing() noexcept { return ::GetLastError() == ERROR_ALREADY_EXISTS; }

// Waits for `object` until `until` on the steady clock: success, abandoned
// (WAIT_ABANDONED: a mutex whose owner died, now ours), timed_out, or the error.
inline std::error_code wait_for_object(HANDLE object, deadline until) noexcept {
  for (;;) {
    DWORD ms = INFINITE;
    if (until != no_deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock::now());
      ms = static_cast<DWORD>(std::clamp<std::int64_t>(left.count(), 0, INFINITE - 1));
    }
    switch (::WaitForSingleObject(object, ms)) {
      case WAIT_OBJECT_0:
        return {};
      case WAIT_ABANDONED:
        return make_error_code(errc::abandoned, static_cast<int>(WAIT_ABANDONED));
      case WAIT_TIMEOUT:
        // Several waits make up one longer than a DWORD of milliseconds.
        if (ms == 0 || (until != no_deadline && clock::now() >= until))
          return make_error_code(errc::timed_out);
        break;
      default:
        return last_system_error();
    }
  }
}

// One asynchronous wait on an event or a semaphore (async_waits): a thread in
// WaitForMultipleObjects on {a cancel event of its own, the object}. The
// kernel takes at most one of the two, and the first in the array when both
// are signalled, so once interrupt() has set the cancel event the object is
// never taken: a set or a count that comes later stays for others (S4, S5).
// (asio::windows::object_handle is not used: its cancel() completes the
// operation with operation_aborted even when the pool thread's wait has
// already taken the set or the count, which would then be lost.)
class object_async_wait final : public async_waits::wait {
 public:
  object_async_wait(HANDLE object, unique_handle cancel) noexcept
      : object_(object), cancel_(std::move(cancel)) {}

  std::error_code run() override {
    const HANDLE handles[] = {cancel_.get(), object_};
    switch (::WaitForMultipleObjects(2, handles, FALSE, INFINITE)) {
      case WAIT_OBJECT_0:
        return make_error_code(errc::operation_aborted, ERROR_OPERATION_ABORTED);
      case WAIT_OBJECT_0 + 1:
        return {};
      default:
        return last_system_error();
    }
  }

  void interrupt() noexcept override { ::SetEvent(cancel_.get()); }

 private:
  HANDLE object_;  // the named object's handle, open until every wait has ended
  unique_handle cancel_;
};

inline void start_object_wait(async_waits& waits, HANDLE object, wait_completion done,
                              const asio::any_io_executor& ex) {
  unique_handle cancel(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
  if (!cancel) return async_waits::post_error(std::move(done), last_system_error(), ex);
  waits.start(std::make_unique<object_async_wait>(object, std::move(cancel)), std::move(done),
              ex);
}

// Creates or opens a kernel object with the private DACL (N2). `create` calls
// CreateXxx(attributes, name), `open` calls OpenXxx(name) with READ_CONTROL
// among its rights; returns the handle, and sets `created`. An existing
// object must belong to the current user (N2: squatting is access_denied).
template <class Create, class Open>
unique_handle create_or_open_object(open_mode mode, const std::wstring& name, Create create,
                                    Open open, bool& created, std::error_code& ec) {
  created = false;
  if (mode == open_mode::open) {
    unique_handle h(open(name.c_str()));  // `open` asks for READ_CONTROL too
    ec = h ? check_object_owner(object_owner_sid(h.get()), {})  // N2, as below
           : last_system_error();  // S1: ERROR_FILE_NOT_FOUND, not_found
    return ec ? unique_handle{} : std::move(h);
  }
  const auto security = private_security::create(ec);
  if (ec) return {};
  unique_handle h(create(security->attributes(), name.c_str()));
  if (!h) {
    ec = last_system_error();
    return {};
  }
  if (opened_existing()) {
    if (mode == open_mode::create) {
      ec = make_error_code(errc::already_exists, ERROR_ALREADY_EXISTS);  // S1
      return {};
    }
    // N2: an object another user made first, with that user's access list,
    // is not ours to use.
    if ((ec = check_object_owner(object_owner_sid(h.get()), {}))) return {};
  } else {
    created = true;
  }
  ec = {};
  return h;
}

}  // namespace strait::detail
