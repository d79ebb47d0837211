// Unnamed pipes: a named pipe of one instance whose name nobody else learns.
#include <windows.h>

#include <atomic>
#include <random>
#include <string>

#include <fmt/format.h>

#include "pipe.hpp"
#include "security.hpp"
#include "unnamed_pipe.hpp"

namespace strait::detail {
namespace {

// A byte pipe's buffer: what a child writes before its parent reads.
constexpr DWORD stdio_pipe_buffer_size = 64 * 1024;

// 128 random bits (std::random_device is the system's RtlGenRandom here):
// the name is never published, and guessing it is the only way in.
std::wstring fresh_pipe_path() {
  static std::atomic<std::uint32_t> counter{0};
  std::random_device random;
  const std::string path =
      fmt::format("\\\\.\\pipe\\strait-unnamed-{}-{:08x}{:08x}{:08x}{:08x}-{}",
                  ::GetCurrentProcessId(), random(), random(), random(), random(), counter++);
  return {path.begin(), path.end()};
}

struct pipe_modes {
  DWORD server_open;    // CreateNamedPipe's open mode, less the flags all share
  DWORD pipe_mode;      // CreateNamedPipe's pipe mode, less the flags all share
  DWORD client_access;  // CreateFile's access
  DWORD buffer_size;
};

pipe_modes modes_of(unnamed_pipe_kind kind) {
  switch (kind) {
    case unnamed_pipe_kind::duplex_messages:
      return {PIPE_ACCESS_DUPLEX, PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE,
              GENERIC_READ | GENERIC_WRITE, default_pipe_buffer_size};
    case unnamed_pipe_kind::bytes_to_client:
      // FILE_WRITE_ATTRIBUTES: the child may set its end's mode, as it
      // could on a CreatePipe handle.
      return {PIPE_ACCESS_OUTBOUND, PIPE_TYPE_BYTE | PIPE_READMODE_BYTE,
              GENERIC_READ | FILE_WRITE_ATTRIBUTES, stdio_pipe_buffer_size};
    case unnamed_pipe_kind::bytes_from_client:
      return {PIPE_ACCESS_INBOUND, PIPE_TYPE_BYTE | PIPE_READMODE_BYTE,
              GENERIC_WRITE | FILE_READ_ATTRIBUTES, stdio_pipe_buffer_size};
  }
  return {};
}

// The server end's connection to the client we opened: done already, so
// ConnectNamedPipe says ERROR_PIPE_CONNECTED (an overlapped handle needs an
// OVERLAPPED even so).
std::error_code complete_connection(HANDLE server) {
  unique_handle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
  if (!event) return last_system_error();
  OVERLAPPED ov{};
  ov.hEvent = event.get();
  if (::ConnectNamedPipe(server, &ov)) return {};
  DWORD e = ::GetLastError();
  if (e == ERROR_IO_PENDING) {
    DWORD ignored = 0;
    e = ::GetOverlappedResult(server, &ov, &ignored, TRUE) ? 0 : ::GetLastError();
  }
  return e == 0 || e == ERROR_PIPE_CONNECTED ? std::error_code{}
                                             : map_system_error(static_cast<int>(e));
}

// N2: both ends are this process's own. Anything else is someone who
// reached the name in between, so the pair is not private.
std::error_code check_both_ends_ours(HANDLE server, HANDLE client) {
  ULONG client_pid = 0, server_pid = 0;
  const DWORD me = ::GetCurrentProcessId();
  if (!::GetNamedPipeClientProcessId(server, &client_pid) ||
      !::GetNamedPipeServerProcessId(client, &server_pid))
    return last_system_error();
  if (client_pid != me || server_pid != me)
    return make_error_code(errc::access_denied, ERROR_ACCESS_DENIED);
  return {};
}

}  // namespace

unnamed_pipe create_unnamed_pipe(unnamed_pipe_kind kind, bool overlapped_client,
                                 std::error_code& ec) {
  const pipe_modes modes = modes_of(kind);
  auto security = private_security::create(ec);
  if (ec) return {};
  const std::wstring path = fresh_pipe_path();

  unnamed_pipe pair;
  // One instance, first of its name (Windows refuses the create if someone
  // made the name first; Wine ignores the flag, so the ends are checked
  // below), this user only, never from another machine.
  pair.server.reset(::CreateNamedPipeW(
      path.c_str(), modes.server_open | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
      modes.pipe_mode | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1, modes.buffer_size,
      modes.buffer_size, 0, security->attributes()));
  if (!pair.server) {
    ec = last_system_error();
    return {};
  }
  // SECURITY_IDENTIFICATION: as pipe_connect, the server may not act as us.
  pair.client.reset(::CreateFileW(
      path.c_str(), modes.client_access, 0, nullptr, OPEN_EXISTING,
      (overlapped_client ? FILE_FLAG_OVERLAPPED : 0) | SECURITY_SQOS_PRESENT |
          SECURITY_IDENTIFICATION,
      nullptr));
  if (!pair.client) {
    ec = last_system_error();
    return {};
  }
  if ((ec = complete_connection(pair.server.get()))) return {};
  if ((ec = check_both_ends_ours(pair.server.get(), pair.client.get()))) return {};
  if (kind == unnamed_pipe_kind::duplex_messages) {
    DWORD mode = PIPE_READMODE_MESSAGE;  // C1, C3: whole messages on the client's side too
    if (!::SetNamedPipeHandleState(pair.client.get(), &mode, nullptr, nullptr)) {
      ec = last_system_error();
      return {};
    }
  }
  ec = {};
  return pair;
}

}  // namespace strait::detail
