// A named-pipe peer written with nothing but Win32, as programs that know
// nothing of strait are written: the other end of the interop tests.
//
//   plain_pipe_peer server NAME   one instance, one client: echoes every
//                                 message until the client closes
//   plain_pipe_peer client NAME SIZE...
//                                 sends one message of each SIZE, checks each
//                                 echo, closes
//
// Exit code 0 when every message came back whole, 1 otherwise.
#include <windows.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

std::wstring pipe_path(const char* name) {
  std::string path = std::string("\\\\.\\pipe\\") + name;
  return {path.begin(), path.end()};
}

int fail(const char* what) {
  std::fprintf(stderr, "plain_pipe_peer: %s failed: Win32 error %lu\n", what, ::GetLastError());
  return 1;
}

std::vector<char> pattern(std::size_t size, std::size_t seed) {
  std::vector<char> bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 31 + seed) & 0xff);
  return bytes;
}

int serve(const char* name) {
  HANDLE pipe = ::CreateNamedPipeW(pipe_path(name).c_str(), PIPE_ACCESS_DUPLEX,
                                   PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT, 1,
                                   1 << 20, 1 << 20, 0, nullptr);
  if (pipe == INVALID_HANDLE_VALUE) return fail("CreateNamedPipe");
  if (!::ConnectNamedPipe(pipe, nullptr) && ::GetLastError() != ERROR_PIPE_CONNECTED)
    return fail("ConnectNamedPipe");
  std::vector<char> message(1 << 20);
  for (;;) {
    DWORD n = 0;
    if (!::ReadFile(pipe, message.data(), static_cast<DWORD>(message.size()), &n, nullptr)) {
      if (::GetLastError() == ERROR_BROKEN_PIPE) break;  // the client is done
      return fail("ReadFile");
    }
    DWORD written = 0;
    if (!::WriteFile(pipe, message.data(), n, &written, nullptr) || written != n)
      return fail("WriteFile");
  }
  ::CloseHandle(pipe);
  return 0;
}

int connect(const char* name, char** sizes, int count) {
  const auto path = pipe_path(name);
  HANDLE pipe = INVALID_HANDLE_VALUE;
  for (int attempt = 0; pipe == INVALID_HANDLE_VALUE && attempt < 200; ++attempt) {
    pipe = ::CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                         0, nullptr);
    if (pipe == INVALID_HANDLE_VALUE) ::Sleep(50);
  }
  if (pipe == INVALID_HANDLE_VALUE) return fail("CreateFile");
  DWORD mode = PIPE_READMODE_MESSAGE;
  if (!::SetNamedPipeHandleState(pipe, &mode, nullptr, nullptr))
    return fail("SetNamedPipeHandleState");
  std::vector<char> echo(1 << 20);
  for (int i = 0; i < count; ++i) {
    const auto message = pattern(std::strtoull(sizes[i], nullptr, 10), i);
    DWORD n = 0;
    if (!::WriteFile(pipe, message.data(), static_cast<DWORD>(message.size()), &n, nullptr))
      return fail("WriteFile");
    if (!::ReadFile(pipe, echo.data(), static_cast<DWORD>(echo.size()), &n, nullptr))
      return fail("ReadFile");
    if (n != message.size() || !std::equal(message.begin(), message.end(), echo.begin())) {
      std::fprintf(stderr, "plain_pipe_peer: echo %d: %lu bytes, not the %zu sent\n", i, n,
                   message.size());
      return 1;
    }
  }
  ::CloseHandle(pipe);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[1]) == "server") return serve(argv[2]);
  if (argc >= 3 && std::string(argv[1]) == "client") return connect(argv[2], argv + 3, argc - 3);
  std::fprintf(stderr, "usage: plain_pipe_peer server NAME | client NAME SIZE...\n");
  return 2;
}
