// Plain Win32 mailslot ends, written the way the classic Win32 examples do
// (CreateMailslot + GetMailslotInfo + ReadFile; CreateFile + WriteFile), to
// show that strait's mailslots are ordinary mailslots.
#include <windows.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <strait/strait.hpp>

#include "native.hpp"
#include "traffic.hpp"

namespace strait::mailslot_test {
namespace {

using namespace std::chrono_literals;
constexpr auto io_timeout = 30s;

std::string path_of(const std::string& name) { return "\\\\.\\mailslot\\" + name; }

int fail(const char* what) {
  std::fprintf(stderr, "native peer: %s (Win32 error %lu)\n", what, ::GetLastError());
  return 1;
}

}  // namespace

bool running_under_wine() {
  const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  return ntdll && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

bool has_native_mailslots() { return true; }

int native_read(asio::io_context& io, const std::vector<std::string>& args) {
  const std::string name = args.at(0);
  const auto count = static_cast<std::uint32_t>(std::stoul(args.at(2)));
  HANDLE slot = ::CreateMailslotA(path_of(name).c_str(), 0, 0, nullptr);
  if (slot == INVALID_HANDLE_VALUE) return fail("CreateMailslot");
  strait::connect(io, args.at(1)).send(strait::buffer("ready"));

  order_checker checker(1, count, native_limit);
  const auto give_up = std::chrono::steady_clock::now() + io_timeout;
  while (!checker.done()) {
    DWORD next = 0, waiting = 0;
    if (!::GetMailslotInfo(slot, nullptr, &next, &waiting, nullptr)) return fail("GetMailslotInfo");
    if (next == MAILSLOT_NO_MESSAGE) {
      if (std::chrono::steady_clock::now() > give_up) return fail("no message in time");
      std::this_thread::sleep_for(1ms);
      continue;
    }
    std::vector<std::byte> message(next);
    DWORD n = 0;
    if (!::ReadFile(slot, message.data(), next, &n, nullptr)) return fail("ReadFile");
    message.resize(n);
    if (auto problem = checker.check(message); !problem.empty()) {
      std::fprintf(stderr, "native peer: %s\n", problem.c_str());
      return 1;
    }
  }
  ::CloseHandle(slot);
  return 0;
}

int native_write(asio::io_context&, const std::vector<std::string>& args) {
  const auto count = static_cast<std::uint32_t>(std::stoul(args.at(1)));
  HANDLE slot = ::CreateFileA(path_of(args.at(0)).c_str(), GENERIC_WRITE, FILE_SHARE_READ,
                              nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (slot == INVALID_HANDLE_VALUE) return fail("CreateFile");
  for (std::uint32_t k = 0; k < count; ++k) {
    const auto message = stream_message(0, k, native_limit);
    DWORD written = 0;
    if (!::WriteFile(slot, message.data(), static_cast<DWORD>(message.size()), &written, nullptr) ||
        written != message.size())
      return fail("WriteFile");
  }
  ::CloseHandle(slot);
  return 0;
}

int native_write_size(asio::io_context&, const std::vector<std::string>& args) {
  const auto size = std::stoul(args.at(1));
  HANDLE slot = ::CreateFileA(path_of(args.at(0)).c_str(), GENERIC_WRITE, FILE_SHARE_READ,
                              nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (slot == INVALID_HANDLE_VALUE) return fail("CreateFile");
  const auto message = payload(1, 0, size);
  DWORD written = 0;
  const BOOL ok = ::WriteFile(slot, message.data(), static_cast<DWORD>(size), &written, nullptr);
  std::fprintf(stderr, "native peer: WriteFile of %lu bytes %s (Win32 error %lu)\n", size,
               ok ? "succeeded" : "failed", ok ? 0ul : ::GetLastError());
  ::CloseHandle(slot);
  return 0;
}

}  // namespace strait::mailslot_test
