// plain_copydata_peer — plain Win32 WM_COPYDATA code, no strait: the other
// program of the copydata:// interop tests (tests/copydata/interop_win32_test.cpp).
//
//   plain_copydata_peer window CLASS TITLE COUNT   a message-only window that takes COUNT
//                                                  messages 0..COUNT-1 (traffic.hpp) and
//                                                  answers 0x5000 + index to each
//   plain_copydata_peer send CLASS DATA TEXT       SendMessageTimeout of TEXT with dwData
//                                                  DATA to the message-only window CLASS
//   plain_copydata_peer hung CLASS                 a window that never takes a message
//
// Exit code 0: all as expected; 90 and up: what went wrong (stderr says).
#include <windows.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "../copydata/traffic.hpp"

namespace {

namespace ct = strait::copydata_test;

std::wstring widen(const char* s) {
  std::wstring out;
  for (; *s; ++s) out += static_cast<wchar_t>(static_cast<unsigned char>(*s));
  return out;
}

std::size_t expected_count = 0;
std::size_t received = 0;
int verdict = 0;

LRESULT CALLBACK procedure(HWND window, UINT message, WPARAM wparam, LPARAM lparam) {
  if (message == WM_COPYDATA) {
    const auto* data = reinterpret_cast<const COPYDATASTRUCT*>(lparam);
    const auto expected = ct::message(received);
    const bool same = data->cbData == expected.size() &&
                      (expected.empty() || std::memcmp(data->lpData, expected.data(), expected.size()) == 0);
    if (!same || data->dwData != ct::data_of(received)) {
      std::fprintf(stderr, "message %zu: %lu bytes, dwData %llu: not as sent\n", received,
                   static_cast<unsigned long>(data->cbData),
                   static_cast<unsigned long long>(data->dwData));
      verdict = 90;
    }
    const LRESULT answer = static_cast<LRESULT>(0x5000 + received);
    if (++received == expected_count) ::PostQuitMessage(0);
    return answer;
  }
  if (message == WM_TIMER) {
    std::fprintf(stderr, "only %zu of %zu messages came\n", received, expected_count);
    verdict = 91;
    ::PostQuitMessage(0);
    return 0;
  }
  return ::DefWindowProcW(window, message, wparam, lparam);
}

HWND make_window(const wchar_t* class_name, const wchar_t* title) {
  WNDCLASSEXW wc{};
  wc.cbSize = sizeof(wc);
  wc.lpfnWndProc = procedure;
  wc.hInstance = ::GetModuleHandleW(nullptr);
  wc.lpszClassName = class_name;
  if (!::RegisterClassExW(&wc)) return nullptr;
  return ::CreateWindowExW(0, class_name, title, 0, 0, 0, 0, 0, HWND_MESSAGE, nullptr,
                           wc.hInstance, nullptr);
}

int window(const std::wstring& class_name, const std::wstring& title, std::size_t count) {
  expected_count = count;
  const HWND w = make_window(class_name.c_str(), title.c_str());
  if (!w) return 92;
  ::SetTimer(w, 1, 60000, nullptr);  // bounded: a test that never sends ends here
  MSG msg;
  while (::GetMessageW(&msg, nullptr, 0, 0) > 0) ::DispatchMessageW(&msg);
  return verdict;
}

int send(const std::wstring& class_name, unsigned long long data, const char* text) {
  HWND w = nullptr;
  for (int i = 0; i < 1000 && !w; ++i) {  // the reader may still be starting: up to 20 s
    w = ::FindWindowExW(HWND_MESSAGE, nullptr, class_name.c_str(), nullptr);
    if (!w) ::Sleep(20);
  }
  if (!w) return 93;
  COPYDATASTRUCT cds{};
  cds.dwData = static_cast<ULONG_PTR>(data);
  cds.cbData = static_cast<DWORD>(std::strlen(text));
  cds.lpData = const_cast<char*>(text);
  DWORD_PTR result = 0;
  if (!::SendMessageTimeoutW(w, WM_COPYDATA, 0, reinterpret_cast<LPARAM>(&cds), SMTO_NORMAL,
                             20000, &result)) {
    std::fprintf(stderr, "SendMessageTimeout failed: %lu\n", ::GetLastError());
    return 94;
  }
  return result == 1 ? 0 : 95;  // a strait reader answers 1: queued
}

int hung(const std::wstring& class_name) {
  if (!make_window(class_name.c_str(), L"")) return 92;
  ::Sleep(60000);  // never pumps: senders time out; the test kills us
  return 96;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string role = argc > 1 ? argv[1] : "";
  if (role == "window" && argc == 5) return window(widen(argv[2]), widen(argv[3]), std::stoul(argv[4]));
  if (role == "send" && argc == 5) return send(widen(argv[2]), std::stoull(argv[3]), argv[4]);
  if (role == "hung" && argc == 3) return hung(widen(argv[2]));
  std::fprintf(stderr, "usage: plain_copydata_peer window CLASS TITLE COUNT | send CLASS DATA TEXT | hung CLASS\n");
  return 2;
}
