// strait error model: one category, Windows vocabulary, native values kept.
//
// Every failure strait reports is a std::error_code in strait::category().
// Its low 8 bits are a strait::errc; the bits above keep the native value
// (a Win32 error on Windows, an errno on POSIX) that caused it, or 0 when
// strait itself decided (a malformed URL, an oversized message).
//
//     if (ec == strait::errc::pipe_busy) ...        // compares the errc only
//     strait::native_error(ec)                      // 231 on Windows, EAGAIN...
//     ec.message()                                  // "pipe busy (Win32 error 231: ...)"
#pragma once

#include <string>
#include <system_error>

#include <strait/export.hpp>

namespace strait {

enum class errc : int {
  not_found = 1,       // ERROR_FILE_NOT_FOUND (2), ENOENT, ECONNREFUSED
  pipe_busy,           // ERROR_PIPE_BUSY (231): every instance is in use
  broken_pipe,         // ERROR_BROKEN_PIPE (109) / ERROR_NO_DATA (232), EPIPE
  more_data,           // ERROR_MORE_DATA (234): buffer full, rest on next receive
  message_too_large,   // over the channel's maximum message size
  already_exists,      // ERROR_ALREADY_EXISTS (183), EADDRINUSE, EEXIST
  timed_out,           // ERROR_SEM_TIMEOUT (121), ETIMEDOUT
  access_denied,       // ERROR_ACCESS_DENIED (5), EACCES, EPERM
  invalid_name,        // a name outside the portable grammar (N1)
  abandoned,           // WAIT_ABANDONED: the previous owner died holding it
  operation_aborted,   // ERROR_OPERATION_ABORTED (995): cancelled
  invalid_argument,    // malformed URL, unknown scheme, bad option
  not_supported,       // the scheme or option does not exist on this platform
  protocol_error,      // the peer sent bytes that break the wire format
  resource_exhausted,  // out of handles, memory, ports
  io_error,            // any other native failure; see native_error()
};

}  // namespace strait

template <>
struct std::is_error_code_enum<strait::errc> : std::true_type {};

namespace strait {

STRAIT_API const std::error_category& category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), category()};
}

// An error_code for `e` that remembers the native value that caused it.
inline std::error_code make_error_code(errc e, int native) noexcept {
  return {static_cast<int>(e) | (native << 8), category()};
}

// The errc of a strait error code; errc{} (0) for success or a foreign category.
inline errc to_errc(const std::error_code& ec) noexcept {
  return ec.category() == category() ? static_cast<errc>(ec.value() & 0xff)
                                     : errc{};
}

// The native error kept in `ec`, or 0 when strait decided on its own.
inline int native_error(const std::error_code& ec) noexcept {
  return ec.category() == category() ? (ec.value() >> 8) : ec.value();
}

// `ec == strait::errc::x` compares the errc and ignores the native value.
inline bool operator==(const std::error_code& ec, errc e) noexcept {
  return to_errc(ec) == e;
}

}  // namespace strait
