// errno -> strait::errc, the native value kept (libuv's uv_translate_sys_error, in spirit).
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "backend.hpp"

namespace strait::detail {
namespace {

errc classify(int e) noexcept {
  switch (e) {
    case ENOENT:
    case ECONNREFUSED:  // nobody serves the name or port (C5)
    case EHOSTUNREACH:
    case ENETUNREACH:
      return errc::not_found;
    case EAGAIN:  // a full accept queue: every instance busy
      return errc::pipe_busy;
    case EPIPE:
    case ECONNRESET:
    case ECONNABORTED:
    case ENOTCONN:
    case ESHUTDOWN:
      return errc::broken_pipe;
    case EMSGSIZE:
      return errc::message_too_large;
    case EEXIST:
    case EADDRINUSE:
      return errc::already_exists;
    case ETIMEDOUT:
      return errc::timed_out;
    case EACCES:
    case EPERM:
    case EROFS:
      return errc::access_denied;
    case ENAMETOOLONG:
      return errc::invalid_name;
    case EOWNERDEAD:
      return errc::abandoned;
    case ECANCELED:
      return errc::operation_aborted;
    case EINVAL:
    case EADDRNOTAVAIL:
      return errc::invalid_argument;
    case ENOTSUP:
#if EOPNOTSUPP != ENOTSUP
    case EOPNOTSUPP:
#endif
    case EAFNOSUPPORT:
    case EPROTONOSUPPORT:
    case ENOSYS:
      return errc::not_supported;
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case ENOBUFS:
    case ENOSPC:
      return errc::resource_exhausted;
    default:
      return errc::io_error;
  }
}

}  // namespace

std::error_code map_system_error(int native) noexcept {
  return native == 0 ? std::error_code{} : make_error_code(classify(native), native);
}

std::error_code last_system_error() noexcept { return map_system_error(errno); }

std::string describe_native_error(int native) {
  return fmt::format("errno {}: {}", native, std::strerror(native));
}

}  // namespace strait::detail
