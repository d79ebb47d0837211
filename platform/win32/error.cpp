// Win32 and Winsock errors -> strait::errc, the native value kept.
#include <winsock2.h>
#include <windows.h>

#include <fmt/format.h>

#include "backend.hpp"

namespace strait::detail {
namespace {

errc classify(int e) noexcept {
  switch (e) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_BAD_NETPATH:
    case ERROR_CONNECTION_REFUSED:
    case WSAECONNREFUSED:  // nobody serves the port (C5)
    case WSAEHOSTUNREACH:
    case WSAENETUNREACH:
    case WSAHOST_NOT_FOUND:
    case WSANO_DATA:
      return errc::not_found;
    case ERROR_PIPE_BUSY:
    case WSAEWOULDBLOCK:
      return errc::pipe_busy;
    case ERROR_BROKEN_PIPE:
    case ERROR_NO_DATA:
    case ERROR_PIPE_NOT_CONNECTED:
    case ERROR_NETNAME_DELETED:
    case ERROR_HANDLE_EOF:
    case ERROR_CONNECTION_ABORTED:
    case WSAECONNRESET:
    case WSAECONNABORTED:
    case WSAESHUTDOWN:
    case WSAENOTCONN:
      return errc::broken_pipe;
    case ERROR_MORE_DATA:
      return errc::more_data;
    case WSAEMSGSIZE:
      return errc::message_too_large;
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS:
    case WSAEADDRINUSE:
      return errc::already_exists;
    case ERROR_SEM_TIMEOUT:
    case WAIT_TIMEOUT:
    case ERROR_TIMEOUT:
    case WSAETIMEDOUT:
      return errc::timed_out;
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
    case ERROR_NOT_OWNER:  // ReleaseMutex by a thread that does not own it
    case WSAEACCES:
      return errc::access_denied;
    case ERROR_INVALID_NAME:
    case ERROR_BAD_PATHNAME:
    case ERROR_FILENAME_EXCED_RANGE:
      return errc::invalid_name;
    case ERROR_OPERATION_ABORTED:
    case WSAECANCELLED:
      return errc::operation_aborted;
    case ERROR_INVALID_PARAMETER:
    case WSAEINVAL:
    case WSAEADDRNOTAVAIL:
      return errc::invalid_argument;
    case ERROR_NOT_SUPPORTED:
    case ERROR_CALL_NOT_IMPLEMENTED:
    case WSAEAFNOSUPPORT:
    case WSAEOPNOTSUPP:
    case WSAEPROTONOSUPPORT:
      return errc::not_supported;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
    case ERROR_TOO_MANY_OPEN_FILES:
    case ERROR_NO_SYSTEM_RESOURCES:  // handle quota or kernel pool (CreateNamedPipe, ...)
    case ERROR_COMMITMENT_LIMIT:     // a section the pagefile cannot back
    case ERROR_TOO_MANY_POSTS:  // S5: a semaphore release past its maximum
    case WSAEMFILE:
    case WSAENOBUFS:
      return errc::resource_exhausted;
    default:
      return errc::io_error;
  }
}

}  // namespace

std::error_code map_system_error(int native) noexcept {
  return native == 0 ? std::error_code{} : make_error_code(classify(native), native);
}

std::error_code last_system_error() noexcept {
  return map_system_error(static_cast<int>(::GetLastError()));
}

std::string describe_native_error(int native) {
  char* text = nullptr;
  const DWORD n = ::FormatMessageA(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, static_cast<DWORD>(native), 0, reinterpret_cast<char*>(&text), 0, nullptr);
  std::string message(text ? text : "", n);
  if (text) ::LocalFree(text);
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r' ||
                              message.back() == ' ' || message.back() == '.'))
    message.pop_back();
  return message.empty() ? fmt::format("Win32 error {}", native)
                         : fmt::format("Win32 error {}: {}", native, message);
}

}  // namespace strait::detail
