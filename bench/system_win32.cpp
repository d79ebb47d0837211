// Platform services of the bench on Windows: ports, names, CPU pinning, and
// what the machine is (Wine says so: its figures are not Windows figures).
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <io.h>

#include <atomic>
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "mechanism.hpp"

namespace strait::bench {
namespace {

// Winsock for the whole program (raw tcp, free_tcp_port); never cleaned up.
const bool winsock_started = [] {
  WSADATA data;
  return ::WSAStartup(MAKEWORD(2, 2), &data) == 0;
}();

}  // namespace

unsigned short free_tcp_port() {
  const SOCKET s = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int len = sizeof(in);
  const bool ok = winsock_started && s != INVALID_SOCKET &&
                  ::bind(s, reinterpret_cast<sockaddr*>(&in), sizeof(in)) == 0 &&
                  ::getsockname(s, reinterpret_cast<sockaddr*>(&in), &len) == 0;
  const int error = ::WSAGetLastError();
  if (s != INVALID_SOCKET) ::closesocket(s);
  if (!ok) throw bench_error(fmt::format("no free TCP port: WSA error {}", error));
  return ntohs(in.sin_port);
}

std::string fresh_name() {
  static std::atomic<unsigned> counter{0};
  return fmt::format("sb-{}-{}-{:x}", ::GetCurrentProcessId(), ++counter,
                     ::GetTickCount64() & 0xffffff);
}

std::string temp_directory() {
  char path[MAX_PATH + 1];
  const DWORD n = ::GetTempPathA(sizeof path, path);
  if (n == 0 || n > MAX_PATH) return ".";
  std::string dir(path, n);
  if (!dir.empty() && (dir.back() == '\\' || dir.back() == '/')) dir.pop_back();
  return dir;
}

bool pin_to_cpu(int cpu) {
  if (cpu < 0 || cpu >= 64) return false;
  return ::SetProcessAffinityMask(::GetCurrentProcess(), DWORD_PTR{1} << cpu) != 0;
}

bool stderr_is_terminal() { return ::_isatty(::_fileno(stderr)) != 0; }

std::string find_on_path(const std::string& program) {
  char path[MAX_PATH + 1];
  const DWORD n = ::SearchPathA(nullptr, program.c_str(), ".exe", sizeof path, path, nullptr);
  return n > 0 && n <= MAX_PATH ? std::string(path, n) : std::string();
}

std::string cpu_description() {
  char name[256];
  DWORD size = sizeof name;
  if (::RegGetValueA(HKEY_LOCAL_MACHINE, "HARDWARE\\DESCRIPTION\\System\\CentralProcessor\\0",
                     "ProcessorNameString", RRF_RT_REG_SZ, nullptr, name, &size) == ERROR_SUCCESS)
    return name;
  return "unknown CPU";
}

std::string os_description() {
  // RtlGetVersion tells the truth where GetVersionEx is shimmed.
  OSVERSIONINFOW info{};
  info.dwOSVersionInfoSize = sizeof info;
  const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  using rtl_get_version = LONG(WINAPI*)(OSVERSIONINFOW*);
  if (const auto get = reinterpret_cast<rtl_get_version>(
          reinterpret_cast<void*>(::GetProcAddress(ntdll, "RtlGetVersion"))))
    get(&info);
  auto text =
      fmt::format("Windows {}.{}.{}", info.dwMajorVersion, info.dwMinorVersion, info.dwBuildNumber);
  using wine_get_version = const char*(CDECL*)();
  if (const auto wine = reinterpret_cast<wine_get_version>(
          reinterpret_cast<void*>(::GetProcAddress(ntdll, "wine_get_version"))))
    text += fmt::format(" (Wine {}: figures are not Windows figures)", wine());
  return text;
}

}  // namespace strait::bench
