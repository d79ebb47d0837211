// strait_wine_desktop_keeper — keeps Wine's desktop alive for a test session
// (cmake/wine-run starts it; Windows build under Wine only).
//
//   strait_wine_desktop_keeper HEARTBEAT   start: returns once a keeper runs
//                                          and the desktop window exists
//   strait_wine_desktop_keeper --keep HEARTBEAT   the keeper itself
//
// Why (docs/wine.md, "Wine's desktop between two tests"): on Windows the
// desktop always exists. Wine's wineserver closes a desktop 1 s after its
// last user process but explorer.exe (its window's owner) is gone: it
// unlinks the desktop's name and tells explorer to quit. A process that
// starts in that gap makes a new desktop of the same name and starts a new
// explorer, while processes started before are still on the old one; tests
// whose two processes straddle the gap failed. The keeper is one more user
// of the desktop, so the gap never opens while tests run.
//
// It leaves when, for idle_seconds, no process but Wine's own (an image in
// the Windows directory) and itself has run, so an idle wineserver still
// goes away; while it lives it rewrites HEARTBEAT (a Z: path) every second,
// which is how wine-run tells whether a keeper runs.
#include <windows.h>

#include <tlhelp32.h>

#include <cstring>
#include <cwchar>
#include <string>

namespace {

constexpr DWORD idle_seconds = 120;  // the wineserver's own linger (wine-run: -p120)
constexpr DWORD ready_timeout_ms = 60000;
const wchar_t* const one_keeper = L"Local\\strait.wine-desktop-keeper";
const wchar_t* const ready_event = L"Local\\strait.wine-desktop-keeper.ready";

// The desktop exists once its window belongs to a process (explorer).
bool desktop_ready() {
  const HWND desktop = ::GetDesktopWindow();  // starts explorer when there is none
  DWORD pid = 0;
  return desktop && ::GetWindowThreadProcessId(desktop, &pid) != 0 && pid != 0;
}

void touch(const wchar_t* heartbeat) {
  const HANDLE f = ::CreateFileW(heartbeat, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_DELETE,
                                 nullptr, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (f == INVALID_HANDLE_VALUE) return;
  DWORD written = 0;
  ::WriteFile(f, "1", 1, &written, nullptr);  // a write, so the time surely changes
  ::CloseHandle(f);
}

bool in_windows_directory(const std::wstring& image) {
  wchar_t dir[MAX_PATH];
  const UINT n = ::GetWindowsDirectoryW(dir, MAX_PATH);
  return n > 0 && n < MAX_PATH && image.size() > n &&
         ::_wcsnicmp(image.c_str(), dir, n) == 0 && image[n] == L'\\';
}

// The full image path of process `pid`; empty when it cannot be read.
std::wstring image_of(DWORD pid) {
  const HANDLE p = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
  if (!p) return {};
  wchar_t image[MAX_PATH * 2];
  DWORD size = MAX_PATH * 2;
  const bool named = ::QueryFullProcessImageNameW(p, 0, image, &size);
  ::CloseHandle(p);
  return named ? std::wstring(image, size) : std::wstring();
}

// Calls `visit` with each running process until it returns true; false when
// no process list could be had.
template <class Visit>
bool visit_processes(Visit visit) {
  const HANDLE snap = ::CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snap == INVALID_HANDLE_VALUE) return false;
  PROCESSENTRY32W entry{};
  entry.dwSize = sizeof(entry);
  for (BOOL more = ::Process32FirstW(snap, &entry); more && !visit(entry);
       more = ::Process32NextW(snap, &entry)) {
  }
  ::CloseHandle(snap);
  return true;
}

// Whether a process other than Wine's own and this one runs (a test, a peer).
bool others_run() {
  bool found = false;
  const bool listed = visit_processes([&](const PROCESSENTRY32W& p) {
    if (p.th32ProcessID == ::GetCurrentProcessId() || p.th32ProcessID == 0) return false;
    const auto image = image_of(p.th32ProcessID);
    found = image.empty() || !in_windows_directory(image);  // unknown counts as a test's
    return found;
  });
  return found || !listed;
}

// Whether a desktop that already exists may be kept: explorer.exe gets the
// stderr of the process that started it (win32u's get_desktop_window), and
// kept alive it would hold a test's output pipe open, so ctest would wait
// for it. Only an explorer started by a keeper (this program) or by one of
// Wine's own programs still running is kept; one whose starter is gone
// (a test, or wineboot, which wine-run starts after the keeper) is left to go
// as without a keeper, and a later start finds none. No explorer: true (the
// keeper starts it, with no output).
bool may_keep_running_desktop() {
  bool found = false;
  DWORD parent = 0;
  const bool listed = visit_processes([&](const PROCESSENTRY32W& p) {
    found = ::_wcsicmp(p.szExeFile, L"explorer.exe") == 0;
    if (found) parent = p.th32ParentProcessID;
    return found;
  });
  if (!listed) return false;
  if (!found) return true;
  const auto starter = image_of(parent);
  wchar_t self[MAX_PATH * 2];
  const DWORD n = ::GetModuleFileNameW(nullptr, self, MAX_PATH * 2);
  return !starter.empty() &&
         (in_windows_directory(starter) ||
          (n > 0 && n < MAX_PATH * 2 && ::_wcsicmp(starter.c_str(), self) == 0));
}

int keep(const wchar_t* heartbeat) {
  const HANDLE once = ::CreateMutexW(nullptr, FALSE, one_keeper);
  if (!once || ::GetLastError() == ERROR_ALREADY_EXISTS) return 0;  // one keeper is enough
  const HANDLE ready = ::CreateEventW(nullptr, TRUE, FALSE, ready_event);
  if (!may_keep_running_desktop()) return 0;  // wine-run tries again next time
  for (DWORD waited = 0; !desktop_ready(); waited += 100) {
    if (waited >= ready_timeout_ms) return 1;
    ::Sleep(100);
  }
  touch(heartbeat);
  if (ready) ::SetEvent(ready);
  DWORD idle = 0;
  while (idle < idle_seconds) {
    ::Sleep(1000);
    touch(heartbeat);
    idle = others_run() ? 0 : idle + 1;
  }
  ::DeleteFileW(heartbeat);
  return 0;
}

// Starts the keeper detached and waits until the desktop is there (or it
// found another keeper and left).
int start(const wchar_t* heartbeat) {
  const HANDLE ready = ::CreateEventW(nullptr, TRUE, FALSE, ready_event);
  if (!ready) return 1;
  wchar_t self[MAX_PATH * 2];
  const DWORD n = ::GetModuleFileNameW(nullptr, self, MAX_PATH * 2);
  if (n == 0 || n >= MAX_PATH * 2) return 1;
  std::wstring command = L"\"" + std::wstring(self) + L"\" --keep \"" + heartbeat + L"\"";
  STARTUPINFOW si{};
  si.cb = sizeof(si);
  PROCESS_INFORMATION pi{};
  if (!::CreateProcessW(self, command.data(), nullptr, nullptr, FALSE, DETACHED_PROCESS, nullptr,
                        nullptr, &si, &pi))
    return 1;
  ::CloseHandle(pi.hThread);
  const HANDLE either[] = {ready, pi.hProcess};
  const DWORD woke = ::WaitForMultipleObjects(2, either, FALSE, ready_timeout_ms);
  ::CloseHandle(pi.hProcess);
  return woke == WAIT_OBJECT_0 || (woke == WAIT_OBJECT_0 + 1 && desktop_ready()) ? 0 : 1;
}

}  // namespace

// Arguments are ASCII (wine-run's Z: paths): widened byte by byte.
int main(int argc, char** argv) {
  const auto wide = [](const char* s) { return std::wstring(s, s + std::strlen(s)); };
  if (argc == 3 && std::strcmp(argv[1], "--keep") == 0) return keep(wide(argv[2]).c_str());
  if (argc == 2) return start(wide(argv[1]).c_str());
  return 2;
}
