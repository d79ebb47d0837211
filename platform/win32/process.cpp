// strait::spawn, parent_channel and channel_pair on Windows.
//
// The channel is an unnamed message-mode pipe (unnamed_pipe.hpp): the
// parent's end is a pipe channel like pipe://'s; the child's end is
// inherited, opened for overlapped I/O as parent_channel needs, and named to
// the child by STRAIT_PARENT_CHANNEL=<its handle value in decimal>
// (docs/wire-format.md). The child's standard streams are the parent's, the
// NUL device, or byte pipes whose parent ends are asio pipes.
//
// Only this child's handles are inherited: PROC_THREAD_ATTRIBUTE_HANDLE_LIST
// names them, and they become inheritable only just before CreateProcessW,
// so two children started at once from two threads never get each other's
// ends, and a child's end closes with the child (C4).
#include <windows.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <asio/windows/object_handle.hpp>
#include <fmt/format.h>

#include "command_line.hpp"
#include "pipe.hpp"
#include "process_backend.hpp"
#include "security.hpp"
#include "unnamed_pipe.hpp"

namespace strait::detail {
namespace {

constexpr wchar_t parent_channel_variable[] = L"STRAIT_PARENT_CHANNEL";

// process.hpp: a child stopped by terminate() exits with 1.
constexpr UINT terminated_exit_code = 1;

class win32_child final : public child_backend,
                          public std::enable_shared_from_this<win32_child> {
 public:
  win32_child(asio::io_context& io, HANDLE process, DWORD pid)
      : child_backend(io), io_(io), process_(io, process), pid_(pid) {}

  std::uint64_t pid() const noexcept override { return pid_; }
  asio::any_io_executor get_executor() const override { return io_.get_executor(); }

  std::optional<int> wait(deadline until, std::error_code& ec) override {
    ec = {};
    if (!wait_until(process(), until)) return std::nullopt;
    return exit_code(ec);
  }

  void async_wait(exit_completion done) override {
    // The object_handle waits on a thread pool and posts the completion:
    // never inline. The child's backend lives until then.
    process_.async_wait(
        [self = shared_from_this(), done = std::move(done)](const std::error_code& e) mutable {
          std::error_code ec = e ? map_error(e) : std::error_code{};
          const int code = ec ? -1 : self->exit_code(ec);
          done(ec, code);
        });
  }

  void terminate(std::error_code& ec) override {
    ec = {};
    if (::TerminateProcess(process(), terminated_exit_code)) return;
    const DWORD e = ::GetLastError();
    // A child that exited already is no error (process.hpp).
    if (::WaitForSingleObject(process(), 0) != WAIT_OBJECT_0)
      ec = map_system_error(static_cast<int>(e));
  }

 private:
  HANDLE process() const noexcept {
    return const_cast<asio::windows::object_handle&>(process_).native_handle();
  }

  int exit_code(std::error_code& ec) const {
    DWORD code = 0;
    if (!::GetExitCodeProcess(process(), &code)) {
      ec = last_system_error();
      return -1;
    }
    return static_cast<int>(code);
  }

  asio::io_context& io_;
  asio::windows::object_handle process_;  // owns the process handle
  DWORD pid_;
};

// The child's copies of its handles (each ours to close once it has them)
// and the parent's ends of the same pipes.
struct child_ends {
  unique_handle channel, std_in, std_out, std_err;

  // The handles the child inherits (each opened for it alone, so no two
  // the same: the handle list refuses duplicates).
  std::vector<HANDLE> inherited() const {
    std::vector<HANDLE> handles;
    for (const auto* h : {&channel, &std_in, &std_out, &std_err})
      if (*h) handles.push_back(h->get());
    return handles;
  }
};

struct parent_ends {
  unique_handle channel, std_in, std_out, std_err;
};

// Our own standard handle `which`, as a handle of its own for the child;
// empty when we have none.
unique_handle copy_std_handle(DWORD which) {
  const HANDLE h = ::GetStdHandle(which);
  HANDLE copy = nullptr;
  if (h == nullptr || h == INVALID_HANDLE_VALUE ||
      !::DuplicateHandle(::GetCurrentProcess(), h, ::GetCurrentProcess(), &copy, 0, FALSE,
                         DUPLICATE_SAME_ACCESS))
    return {};
  return unique_handle(copy);
}

// One standard stream of the child: its end, and for stdio::pipe ours.
std::error_code prepare_stdio(stdio mode, DWORD which, unnamed_pipe_kind kind,
                              unique_handle& child_end, unique_handle& parent_end) {
  switch (mode) {
    case stdio::inherit:
      child_end = copy_std_handle(which);
      return {};
    case stdio::discard:
      child_end.reset(::CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE,
                                    FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING,
                                    0, nullptr));
      return child_end ? std::error_code{} : last_system_error();
    case stdio::pipe: {
      std::error_code ec;
      auto pair = create_unnamed_pipe(kind, false, ec);  // the child's end: plain I/O
      child_end = std::move(pair.client);
      parent_end = std::move(pair.server);
      return ec;
    }
  }
  return make_error_code(errc::invalid_argument);
}

// PROC_THREAD_ATTRIBUTE_HANDLE_LIST over `handles`, which it keeps (the
// attribute points at them until CreateProcessW).
class inherited_handle_list {
 public:
  explicit inherited_handle_list(std::vector<HANDLE> handles) : handles_(std::move(handles)) {}
  inherited_handle_list(const inherited_handle_list&) = delete;
  inherited_handle_list& operator=(const inherited_handle_list&) = delete;
  ~inherited_handle_list() {
    if (initialized_) ::DeleteProcThreadAttributeList(list());
  }

  bool empty() const noexcept { return handles_.empty(); }

  // Makes the handles inheritable and the list that restricts inheritance to them.
  std::error_code build() {
    SIZE_T size = 0;
    ::InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
    storage_.resize(size);
    if (!::InitializeProcThreadAttributeList(list(), 1, 0, &size)) return last_system_error();
    initialized_ = true;
    if (!::UpdateProcThreadAttribute(list(), 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, handles_.data(),
                                     handles_.size() * sizeof(HANDLE), nullptr, nullptr))
      return last_system_error();
    for (const HANDLE h : handles_)
      if (!::SetHandleInformation(h, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT))
        return last_system_error();
    return {};
  }

  LPPROC_THREAD_ATTRIBUTE_LIST list() noexcept {
    return reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(storage_.data());
  }

 private:
  std::vector<HANDLE> handles_;
  std::vector<std::byte> storage_;
  bool initialized_ = false;
};

// CreateProcessW's failures in strait's terms: a file that is no program is
// access_denied (as POSIX's EACCES), a missing working directory not_found.
std::error_code start_error(DWORD e) {
  switch (e) {
    case ERROR_BAD_EXE_FORMAT:
    case ERROR_EXE_MACHINE_TYPE_MISMATCH:
    case ERROR_INVALID_EXE_SIGNATURE:
    case ERROR_EXE_MARKED_INVALID:
      return make_error_code(errc::access_denied, static_cast<int>(e));
    case ERROR_DIRECTORY:
      return make_error_code(errc::not_found, static_cast<int>(e));
    default:
      return map_system_error(static_cast<int>(e));
  }
}

// What the child is started with, as CreateProcessW wants it.
struct start_request {
  std::wstring program;  // the file, found
  std::wstring command_line;
  std::vector<std::wstring> environment;
  std::wstring working_directory;  // empty: ours
};

std::error_code prepare_request(std::string_view program, const std::vector<std::string>& args,
                                const spawn_options& options, start_request& request) {
  std::error_code ec;
  const auto name = widen_utf8(program, ec);
  if (ec) return ec;
  request.program = find_program(name, ec);
  if (ec) {
    note_failure(fmt::format("no program '{}' {}", program,
                             name.find_first_of(L"\\/:") == std::wstring::npos
                                 ? "in PATH"
                                 : "there"));
    return ec;
  }
  std::vector<std::wstring> wide_args;
  for (const auto& arg : args) {
    wide_args.push_back(widen_utf8(arg, ec));
    if (ec) return ec;
  }
  request.command_line = quote_command_line(request.program, wide_args);
  request.working_directory = widen_utf8(options.working_directory, ec);
  if (ec) return ec;
  if (!options.environment) {
    request.environment = current_environment();
    return {};
  }
  for (const auto& entry : *options.environment) {
    if (entry.find('=', 1) == std::string::npos) {  // NAME=VALUE, a name not empty
      note_failure(fmt::format("environment entry '{}' is not NAME=VALUE", entry));
      return make_error_code(errc::invalid_argument);
    }
    request.environment.push_back(widen_utf8(entry, ec));
    if (ec) return ec;
  }
  return {};
}

std::error_code prepare_handles(const spawn_options& options, child_ends& child,
                                parent_ends& parent) {
  std::error_code ec;
  if (options.with_channel) {
    auto pair = create_unnamed_pipe(unnamed_pipe_kind::duplex_messages, true, ec);
    if (ec) return ec;
    parent.channel = std::move(pair.server);
    child.channel = std::move(pair.client);
  }
  if ((ec = prepare_stdio(options.std_in, STD_INPUT_HANDLE, unnamed_pipe_kind::bytes_to_client,
                          child.std_in, parent.std_in)))
    return ec;
  if ((ec = prepare_stdio(options.std_out, STD_OUTPUT_HANDLE,
                          unnamed_pipe_kind::bytes_from_client, child.std_out, parent.std_out)))
    return ec;
  return prepare_stdio(options.std_err, STD_ERROR_HANDLE, unnamed_pipe_kind::bytes_from_client,
                       child.std_err, parent.std_err);
}

PROCESS_INFORMATION start_process(start_request& request, const child_ends& child,
                                  std::error_code& ec) {
  std::wstring extra;
  if (child.channel)
    extra = std::wstring(parent_channel_variable) + L"=" +
            std::to_wstring(reinterpret_cast<std::uintptr_t>(child.channel.get()));
  // Always rebuilt, so that a variable this process was given itself never
  // reaches the child, where the same value could name another handle.
  const std::wstring environment =
      environment_block(std::move(request.environment), parent_channel_variable, extra);

  inherited_handle_list handles(child.inherited());
  STARTUPINFOEXW info{};
  info.StartupInfo.cb = sizeof(info);
  info.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  info.StartupInfo.hStdInput = child.std_in.get();
  info.StartupInfo.hStdOutput = child.std_out.get();
  info.StartupInfo.hStdError = child.std_err.get();
  DWORD flags = CREATE_UNICODE_ENVIRONMENT;
  if (!handles.empty()) {
    if ((ec = handles.build())) return {};
    info.lpAttributeList = handles.list();
    flags |= EXTENDED_STARTUPINFO_PRESENT;
  }
  PROCESS_INFORMATION pi{};
  if (!::CreateProcessW(request.program.c_str(), request.command_line.data(), nullptr, nullptr,
                        handles.empty() ? FALSE : TRUE, flags,
                        const_cast<wchar_t*>(environment.c_str()),
                        request.working_directory.empty() ? nullptr
                                                          : request.working_directory.c_str(),
                        &info.StartupInfo, &pi)) {
    const DWORD e = ::GetLastError();
    ec = start_error(e);
    note_failure(describe_native_error(static_cast<int>(e)));
    return {};
  }
  ::CloseHandle(pi.hThread);
  ec = {};
  return pi;
}

// Hands the parent's ends to the child's backend: the channel, whose peer is
// the child (the pipe itself would name us, who opened the child's end),
// and the asio pipes.
std::error_code attach_parent_ends(asio::io_context& io, win32_child& child, parent_ends& parent,
                                   const spawn_options& options) {
  std::error_code ec;
  if (parent.channel) {
    peer_info peer;
    peer.pid = child.pid();
    peer.user = process_user_sid(static_cast<DWORD>(child.pid()));
    auto channel = make_unnamed_pipe_channel(io, std::move(parent.channel),
                                             fmt::format("spawn://child/{}", child.pid()),
                                             options.max_message_size, pipe_end::server,
                                             std::move(peer), ec);
    if (ec) return ec;
    child.channel = strait::channel(std::move(channel));
  }
  const auto assign = [&](auto& pipe, unique_handle& end) {
    if (!end || ec) return;
    pipe.assign(end.get(), ec);
    if (ec)
      ec = map_error(ec);
    else
      end.release();
  };
  assign(child.std_in, parent.std_in);
  assign(child.std_out, parent.std_out);
  assign(child.std_err, parent.std_err);
  return ec;
}

// The channel handle our parent named, if it is one: a pipe's client end in
// message mode. Anything else (a stale or made-up value) is not_found, and
// the handle is left alone.
HANDLE inherited_channel_handle(const std::wstring& value) {
  if (value.empty() || value.size() > 20 ||
      value.find_first_not_of(L"0123456789") != std::wstring::npos)
    return nullptr;
  const auto number = std::stoull(value);
  if (number == 0 || number > UINTPTR_MAX) return nullptr;
  const auto h = reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(number));
  DWORD handle_flags = 0, pipe_flags = 0;
  if (!::GetHandleInformation(h, &handle_flags) || ::GetFileType(h) != FILE_TYPE_PIPE ||
      !::GetNamedPipeInfo(h, &pipe_flags, nullptr, nullptr, nullptr))
    return nullptr;
  const bool client_end = (pipe_flags & PIPE_SERVER_END) == 0;
  return client_end && (pipe_flags & PIPE_TYPE_MESSAGE) ? h : nullptr;
}

}  // namespace

std::shared_ptr<child_backend> spawn_child(asio::io_context& io, std::string_view program,
                                           const std::vector<std::string>& args,
                                           const spawn_options& options, std::error_code& ec) {
  start_request request;
  if ((ec = prepare_request(program, args, options, request))) return nullptr;
  child_ends child;
  parent_ends parent;
  if ((ec = prepare_handles(options, child, parent))) return nullptr;
  const PROCESS_INFORMATION pi = start_process(request, child, ec);
  if (ec) return nullptr;
  // The child's ends are closed here as `child` goes: from now on only the
  // child holds them, so its exit breaks the pipes (C4).
  auto backend = std::make_shared<win32_child>(io, pi.hProcess, pi.dwProcessId);
  if ((ec = attach_parent_ends(io, *backend, parent, options))) {
    std::error_code ignored;
    backend->terminate(ignored);  // it cannot be handed out half connected
    return nullptr;
  }
  return backend;
}

std::shared_ptr<channel_backend> take_parent_channel(asio::io_context& io, std::error_code& ec) {
  // One taker: the variable goes with the first call, whatever it named.
  static std::mutex taking;
  std::lock_guard lock(taking);
  const std::wstring value = environment_variable(parent_channel_variable);
  if (value.empty()) {
    ec = make_error_code(errc::not_found);
    return nullptr;
  }
  // Both copies, as unsetenv on POSIX: the system's, which children get,
  // and the C runtime's, which getenv reads. (Under Wine the latter is
  // rebuilt whole, so earlier getenv results go stale: docs/wine.md.)
  ::SetEnvironmentVariableW(parent_channel_variable, nullptr);
  ::_wputenv((std::wstring(parent_channel_variable) + L"=").c_str());
  const HANDLE h = inherited_channel_handle(value);
  if (!h) {
    note_failure("STRAIT_PARENT_CHANNEL does not name a channel handle");
    ec = make_error_code(errc::not_found);
    return nullptr;
  }
  // Ours alone now: programs this one starts (by any means) do not get it.
  ::SetHandleInformation(h, HANDLE_FLAG_INHERIT, 0);
  ULONG parent_pid = 0;
  ::GetNamedPipeServerProcessId(h, &parent_pid);  // the peer, as the channel will say too
  return make_unnamed_pipe_channel(io, unique_handle(h),
                                   fmt::format("spawn://parent/{}", parent_pid),
                                   default_max_message_size, pipe_end::client, std::nullopt, ec);
}

std::pair<std::shared_ptr<channel_backend>, std::shared_ptr<channel_backend>> make_channel_pair(
    asio::io_context& io, std::size_t max_message_size, std::error_code& ec) {
  auto pair = create_unnamed_pipe(unnamed_pipe_kind::duplex_messages, true, ec);
  if (ec) return {};
  auto server = make_unnamed_pipe_channel(io, std::move(pair.server), "spawn://pair",
                                          max_message_size, pipe_end::server, std::nullopt, ec);
  if (ec) return {};
  auto client = make_unnamed_pipe_channel(io, std::move(pair.client), "spawn://pair",
                                          max_message_size, pipe_end::client, std::nullopt, ec);
  if (ec) return {};
  return {std::move(server), std::move(client)};
}

}  // namespace strait::detail
