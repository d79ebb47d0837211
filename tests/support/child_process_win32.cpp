// child_process on Windows: CreateProcessW, WaitForSingleObject, TerminateProcess.
#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <system_error>

#include "child_process.hpp"

namespace strait::test {
namespace {

[[noreturn]] void throw_last_error(const std::string& what) {
  throw std::system_error(static_cast<int>(::GetLastError()), std::system_category(), what);
}

std::wstring widen(const std::string& s) {
  if (s.empty()) return {};
  const int n = ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
  std::wstring w(static_cast<std::size_t>(n), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), w.data(), n);
  return w;
}

// Quotes one argument so that CommandLineToArgvW and the C runtime give it
// back unchanged: backslashes are literal except before a quote.
void append_quoted(std::wstring& line, const std::wstring& arg) {
  if (!line.empty()) line += L' ';
  if (!arg.empty() && arg.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
    line += arg;
    return;
  }
  line += L'"';
  std::size_t backslashes = 0;
  for (const wchar_t c : arg) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    // Backslashes before a quote are doubled, and the quote escaped.
    line.append(c == L'"' ? 2 * backslashes + 1 : backslashes, L'\\');
    backslashes = 0;
    line += c;
  }
  line.append(2 * backslashes, L'\\');  // before the closing quote
  line += L'"';
}

// An inheritable copy of one of our standard handles, or null when there is none.
HANDLE inheritable_std_handle(DWORD which) {
  const HANDLE h = ::GetStdHandle(which);
  if (h == nullptr || h == INVALID_HANDLE_VALUE) return nullptr;
  HANDLE copy = nullptr;
  if (!::DuplicateHandle(::GetCurrentProcess(), h, ::GetCurrentProcess(), &copy, 0, TRUE,
                         DUPLICATE_SAME_ACCESS))
    return nullptr;
  return copy;
}

// An inheritable handle of the file `path`, created or emptied, to write to.
HANDLE inheritable_file(const std::filesystem::path& path) {
  SECURITY_ATTRIBUTES inherit{sizeof(inherit), nullptr, TRUE};
  const HANDLE h = ::CreateFileW(path.wstring().c_str(), GENERIC_WRITE, FILE_SHARE_READ, &inherit,
                                 CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  return h == INVALID_HANDLE_VALUE ? nullptr : h;
}

// "0x4c pipe inheritable, ..." for a failed start's message: which handles the
// list held, and whether each was still open and inheritable at that moment.
std::string describe_handles(const HANDLE* handles, DWORD count) {
  std::string out;
  for (DWORD i = 0; i < count; ++i) {
    char text[64];
    DWORD flags = 0;
    const bool open = ::GetHandleInformation(handles[i], &flags) != 0;
    const DWORD type = open ? ::GetFileType(handles[i]) : FILE_TYPE_UNKNOWN;
    const char* type_name = type == FILE_TYPE_PIPE   ? "pipe"
                            : type == FILE_TYPE_CHAR ? "char"
                            : type == FILE_TYPE_DISK ? "disk"
                                                     : "unknown";
    std::snprintf(text, sizeof text, "%s%#llx %s %s", i ? ", " : "",
                  static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(handles[i])),
                  type_name,
                  !open                                ? "closed"
                  : (flags & HANDLE_FLAG_INHERIT) != 0 ? "inheritable"
                                                       : "not inheritable");
    out += text;
  }
  return out.empty() ? "none" : out;
}

}  // namespace

struct child_process::state {
  HANDLE process = nullptr;
  DWORD pid = 0;
  std::optional<int> exit_code;

  ~state() {
    if (process) ::CloseHandle(process);
  }
};

child_process::child_process(const std::filesystem::path& program,
                             const std::vector<std::string>& args,
                             const std::filesystem::path& standard_output)
    : state_(std::make_unique<state>()) {
  std::wstring line;
  append_quoted(line, program.wstring());
  for (const auto& arg : args) append_quoted(line, widen(arg));

  // The child gets our standard output and error so its diagnostics show,
  // and nothing else: the handle list keeps our sockets and pipes (which
  // would otherwise be inheritable) out of it, so that closing one here is
  // seen by the peer even while a child runs.
  HANDLE std_handles[3] = {inheritable_std_handle(STD_INPUT_HANDLE),
                           standard_output.empty() ? inheritable_std_handle(STD_OUTPUT_HANDLE)
                                                   : inheritable_file(standard_output),
                           inheritable_std_handle(STD_ERROR_HANDLE)};
  HANDLE inherited[3];
  DWORD inherited_count = 0;
  for (const HANDLE h : std_handles)
    if (h) inherited[inherited_count++] = h;

  SIZE_T attr_size = 0;
  ::InitializeProcThreadAttributeList(nullptr, 1, 0, &attr_size);
  std::string attr_storage(attr_size, '\0');
  auto* attrs = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(attr_storage.data());
  const bool have_list =
      inherited_count > 0 && ::InitializeProcThreadAttributeList(attrs, 1, 0, &attr_size) &&
      ::UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, inherited,
                                  inherited_count * sizeof(HANDLE), nullptr, nullptr);

  STARTUPINFOEXW info{};
  info.StartupInfo.cb = sizeof(info);
  DWORD flags = 0;
  if (have_list) {
    info.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    info.StartupInfo.hStdInput = std_handles[0];
    info.StartupInfo.hStdOutput = std_handles[1];
    info.StartupInfo.hStdError = std_handles[2];
    info.lpAttributeList = attrs;
    flags |= EXTENDED_STARTUPINFO_PRESENT;
  }

  // ERROR_INTERNAL_ERROR is Wine saying the child died while starting, before
  // any of its code ran (its loader could not map the shared user data, one
  // start in thousands where address space randomization is on: issue 17,
  // docs/wine.md), so starting it again is safe. Each retry is logged, so
  // that a new cause of the error would show.
  constexpr int start_attempts = 3;
  PROCESS_INFORMATION pi{};
  BOOL started = FALSE;
  DWORD error = 0;
  std::string handle_list;
  for (int attempt = 1;; ++attempt) {
    std::wstring command = line;  // CreateProcessW may write to it
    started = ::CreateProcessW(program.wstring().c_str(), command.data(), nullptr, nullptr,
                               have_list ? TRUE : FALSE, flags, nullptr, nullptr,
                               &info.StartupInfo, &pi);
    error = ::GetLastError();
    if (started) break;
    handle_list = have_list ? describe_handles(inherited, inherited_count) : "unused";
    if (error != ERROR_INTERNAL_ERROR || attempt == start_attempts) break;
    std::fprintf(stderr,
                 "child_process: %s died while starting (error %lu, handle list %s); "
                 "starting it again\n",
                 program.string().c_str(), error, handle_list.c_str());
    std::fflush(stderr);
  }
  if (have_list) ::DeleteProcThreadAttributeList(attrs);
  for (const HANDLE h : std_handles)
    if (h) ::CloseHandle(h);
  if (!started)
    throw std::system_error(static_cast<int>(error), std::system_category(),
                            "cannot start " + program.string() + " (error " +
                                std::to_string(error) + ", handle list " + handle_list + ")");
  ::CloseHandle(pi.hThread);
  state_->process = pi.hProcess;
  state_->pid = pi.dwProcessId;
}

child_process::child_process(child_process&&) noexcept = default;

child_process& child_process::operator=(child_process&& other) noexcept {
  if (this != &other) {
    child_process previous(std::move(*this));  // killed and reaped on scope exit
    state_ = std::move(other.state_);
  }
  return *this;
}

child_process::~child_process() {
  if (!state_ || state_->exit_code) return;
  kill();
  ::WaitForSingleObject(state_->process, INFINITE);
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
  if (state_->exit_code) return state_->exit_code;
  const auto ms = std::min<std::chrono::milliseconds::rep>(timeout.count(), INFINITE - 1);
  const DWORD r = ::WaitForSingleObject(state_->process, static_cast<DWORD>(std::max<decltype(ms)>(ms, 0)));
  if (r == WAIT_TIMEOUT) return std::nullopt;
  if (r != WAIT_OBJECT_0) throw_last_error("WaitForSingleObject");
  DWORD code = 0;
  if (!::GetExitCodeProcess(state_->process, &code)) throw_last_error("GetExitCodeProcess");
  state_->exit_code = static_cast<int>(code);
  return state_->exit_code;
}

void child_process::kill() {
  if (state_ && !state_->exit_code) ::TerminateProcess(state_->process, killed_exit_code);
}

std::uint64_t child_process::pid() const noexcept { return state_ ? state_->pid : 0; }

std::filesystem::path self_executable_path() {
  std::wstring path(MAX_PATH, L'\0');
  for (;;) {
    const DWORD n = ::GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size()));
    if (n == 0) throw_last_error("GetModuleFileNameW");
    if (n < path.size()) {
      path.resize(n);
      return path;
    }
    path.resize(path.size() * 2);  // truncated: try a larger buffer
  }
}

std::uint64_t current_process_id() noexcept { return ::GetCurrentProcessId(); }

}  // namespace strait::test
