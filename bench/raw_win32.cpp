// Raw named pipe (message mode) and TCP loopback (TCP_NODELAY) ping-pong on
// Windows, written against Win32 and Winsock alone.
#include "raw.hpp"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace strait::bench {
namespace {

using clock = std::chrono::steady_clock;

[[noreturn]] void fail(const char* what, unsigned long error) {
  throw std::runtime_error(std::string(what) + ": error " + std::to_string(error));
}

// Winsock for the raw TCP side, independent of strait's own start-up.
void start_winsock() {
  static const bool started = [] {
    WSADATA data;
    return ::WSAStartup(MAKEWORD(2, 2), &data) == 0;
  }();
  if (!started) fail("WSAStartup", 0);
}

std::string pipe_path(const std::string& address) { return "\\\\.\\pipe\\" + address; }

// One message each way: the pipe keeps the boundary, a socket needs the loop.
struct pipe_end {
  HANDLE h;
  void write(const char* p, std::size_t n) {
    DWORD w = 0;
    if (!::WriteFile(h, p, static_cast<DWORD>(n), &w, nullptr) || w != n)
      fail("WriteFile", ::GetLastError());
  }
  bool read(char* p, std::size_t n) {
    DWORD r = 0;
    if (!::ReadFile(h, p, static_cast<DWORD>(n), &r, nullptr)) {
      if (::GetLastError() == ERROR_BROKEN_PIPE) return false;
      fail("ReadFile", ::GetLastError());
    }
    return r == n;
  }
};

struct socket_end {
  SOCKET s;
  void write(const char* p, std::size_t n) {
    while (n > 0) {
      const int w = ::send(s, p, static_cast<int>(n), 0);
      if (w <= 0) fail("send", static_cast<unsigned long>(::WSAGetLastError()));
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }
  bool read(char* p, std::size_t n) {
    while (n > 0) {
      const int r = ::recv(s, p, static_cast<int>(n), 0);
      if (r == 0) return false;
      if (r < 0) fail("recv", static_cast<unsigned long>(::WSAGetLastError()));
      p += r;
      n -= static_cast<std::size_t>(r);
    }
    return true;
  }
};

sockaddr_in loopback(const std::string& port) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_port = ::htons(static_cast<u_short>(std::stoi(port)));
  in.sin_addr.s_addr = ::htonl(INADDR_LOOPBACK);
  return in;
}

void set_nodelay(SOCKET s) {
  BOOL on = TRUE;
  ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&on), sizeof(on));
}

template <class End>
int echo(End end, const std::vector<std::size_t>& sizes, std::size_t count) {
  std::vector<char> buffer(*std::max_element(sizes.begin(), sizes.end()));
  for (const auto size : sizes)
    for (std::size_t i = 0; i < count; ++i) {
      if (!end.read(buffer.data(), size)) return 1;
      end.write(buffer.data(), size);
    }
  return 0;
}

template <class End>
std::vector<std::vector<std::chrono::nanoseconds>> ping(End end,
                                                        const std::vector<std::size_t>& sizes,
                                                        std::size_t count) {
  std::vector<char> out(*std::max_element(sizes.begin(), sizes.end()), 'x');
  std::vector<char> in(out.size());
  std::vector<std::vector<std::chrono::nanoseconds>> samples;
  for (const auto size : sizes) {
    auto& s = samples.emplace_back();
    s.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      const auto t0 = clock::now();
      end.write(out.data(), size);
      if (!end.read(in.data(), size)) fail("read: the server closed", 0);
      s.push_back(clock::now() - t0);
    }
  }
  return samples;
}

}  // namespace

std::vector<std::string> raw_mechanisms() { return {"raw pipe", "raw tcp"}; }

std::string raw_floor(const std::string& scheme) {
  if (scheme == "pipe") return "raw pipe";
  if (scheme == "tcp") return "raw tcp";
  return {};
}

std::string raw_address(const std::string& mechanism) {
  if (mechanism == "raw pipe")
    return "strait-bench-" + std::to_string(::GetCurrentProcessId()) + "-" +
           std::to_string(clock::now().time_since_epoch().count() % 1000000);
  start_winsock();
  const SOCKET s = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  sockaddr_in in = loopback("0");
  int len = sizeof(in);
  if (::bind(s, reinterpret_cast<sockaddr*>(&in), sizeof(in)) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&in), &len) != 0)
    fail("bind", static_cast<unsigned long>(::WSAGetLastError()));
  ::closesocket(s);
  return std::to_string(::ntohs(in.sin_port));
}

int raw_serve(const std::string& mechanism, const std::string& address,
              const std::vector<std::size_t>& sizes, std::size_t count) {
  if (mechanism == "raw pipe") {
    const DWORD buffer = 1 << 20;
    HANDLE h = ::CreateNamedPipeA(pipe_path(address).c_str(), PIPE_ACCESS_DUPLEX,
                                  PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT, 1,
                                  buffer, buffer, 0, nullptr);
    if (h == INVALID_HANDLE_VALUE) fail("CreateNamedPipe", ::GetLastError());
    if (!::ConnectNamedPipe(h, nullptr) && ::GetLastError() != ERROR_PIPE_CONNECTED)
      fail("ConnectNamedPipe", ::GetLastError());
    const int result = echo(pipe_end{h}, sizes, count);
    ::CloseHandle(h);
    return result;
  }
  start_winsock();
  const SOCKET listener = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  sockaddr_in in = loopback(address);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&in), sizeof(in)) != 0 ||
      ::listen(listener, 1) != 0)
    fail("bind", static_cast<unsigned long>(::WSAGetLastError()));
  const SOCKET s = ::accept(listener, nullptr, nullptr);
  if (s == INVALID_SOCKET) fail("accept", static_cast<unsigned long>(::WSAGetLastError()));
  set_nodelay(s);
  const int result = echo(socket_end{s}, sizes, count);
  ::closesocket(s);
  ::closesocket(listener);
  return result;
}

std::vector<std::vector<std::chrono::nanoseconds>> raw_ping(
    const std::string& mechanism, const std::string& address,
    const std::vector<std::size_t>& sizes, std::size_t count) {
  if (mechanism == "raw pipe") {
    HANDLE h = INVALID_HANDLE_VALUE;
    for (int attempt = 0; h == INVALID_HANDLE_VALUE; ++attempt) {  // the server may be starting
      h = ::CreateFileA(pipe_path(address).c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr,
                        OPEN_EXISTING, 0, nullptr);
      if (h != INVALID_HANDLE_VALUE) break;
      if (attempt == 5000) fail("CreateFile", ::GetLastError());
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    DWORD mode = PIPE_READMODE_MESSAGE;
    ::SetNamedPipeHandleState(h, &mode, nullptr, nullptr);
    auto samples = ping(pipe_end{h}, sizes, count);
    ::CloseHandle(h);
    return samples;
  }
  start_winsock();
  SOCKET s = INVALID_SOCKET;
  sockaddr_in in = loopback(address);
  for (int attempt = 0;; ++attempt) {
    s = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (::connect(s, reinterpret_cast<sockaddr*>(&in), sizeof(in)) == 0) break;
    ::closesocket(s);
    if (attempt == 5000) fail("connect", static_cast<unsigned long>(::WSAGetLastError()));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  set_nodelay(s);
  auto samples = ping(socket_end{s}, sizes, count);
  ::closesocket(s);
  return samples;
}

}  // namespace strait::bench
