// strait::spawn on Windows: arguments quoted as the child's C runtime and
// CommandLineToArgvW read them, only the child's own handles inherited while
// other threads spawn too, a plain Win32 child fed through its standard
// streams, program lookup, and parent_channel's checks of the handle it is
// named. The children: spawn_child_win32.cpp and plain_uppercase.cpp.
#include <windows.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>

#include <strait/process.hpp>

#include "catch.hpp"
#include "child_platform.hpp"
#include "child_process.hpp"

namespace {

std::filesystem::path test_program(const char* name) {
  return strait::test::self_executable_path().parent_path() / name;
}

std::string spawn_child_program() { return test_program("strait_spawn_child_win32.exe").string(); }

std::string text_of(const std::vector<std::byte>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

void send_text(strait::channel& channel, const std::string& text) {
  channel.send(asio::buffer(text));
}

// Every message until the child closes its end.
std::vector<std::string> receive_all(strait::channel& channel) {
  std::vector<std::string> messages;
  for (;;) {
    std::error_code ec;
    auto message = channel.receive(ec);
    if (ec == strait::errc::broken_pipe) return messages;
    REQUIRE_FALSE(ec);
    messages.push_back(text_of(message));
  }
}

std::string quoted_list(const std::vector<std::string>& args) {
  std::string out;
  for (const auto& a : args) out += "[" + a + "] ";
  return out;
}

// What the argv child reports: the arguments as CommandLineToArgvW and as
// the C runtime parsed them.
struct parsed_arguments {
  std::vector<std::string> command_line_to_argv, c_runtime;
};

parsed_arguments echo_through_child(const std::vector<std::string>& args) {
  asio::io_context io;
  auto child = strait::spawn(io, spawn_child_program(), args);
  const auto messages = receive_all(child.channel());
  REQUIRE(child.wait() == 0);
  parsed_arguments parsed;
  auto* target = &parsed.command_line_to_argv;
  for (const auto& m : messages) {
    if (m == "--crt--")
      target = &parsed.c_runtime;
    else
      target->push_back(m);
  }
  return parsed;
}

}  // namespace

TEST_CASE("win32.spawn_quotes_arguments_as_the_child_reads_them", "[spawn][quoting]") {
  const std::vector<std::string> args{
      "plain",        "",
      "two words",    "tab\there",
      "new\nline",    "quote\"inside",
      "\"",           "\"quoted\"",
      "trailing\\",   "trailing space\\ \\",
      "\\",           "\\\\",
      "a\\b\\\\c",    "back\\\\\"quote",
      "\\\"",         "\\\\server\\share\\",
      "  spaces  ",   "ends with a quote\"",
      "v\vtab",       "C:\\Program Files\\x\\",
  };
  const auto parsed = echo_through_child(args);
  INFO("CommandLineToArgvW: " << quoted_list(parsed.command_line_to_argv));
  CHECK(parsed.command_line_to_argv == args);
  INFO("C runtime: " << quoted_list(parsed.c_runtime));
  CHECK(parsed.c_runtime == args);
}

TEST_CASE("win32.spawn_passes_unicode_arguments", "[spawn][quoting]") {
  // UTF-8 in, UTF-16 on the command line; the C runtime's main() sees the
  // ANSI code page, so only CommandLineToArgvW is compared.
  const std::vector<std::string> args{"\xc3\xbc" "n\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9 \xe2\x98\x83",
                                      "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\\"};
  CHECK(echo_through_child(args).command_line_to_argv == args);
}

TEST_CASE("win32.spawn_refuses_arguments_no_command_line_can_carry", "[spawn][quoting]") {
  asio::io_context io;
  std::error_code ec;
  auto child = strait::spawn(io, spawn_child_program(), {std::string("nul\0inside", 10)}, {}, ec);
  CHECK(ec == strait::errc::invalid_argument);
  CHECK_FALSE(child.valid());
  strait::spawn(io, spawn_child_program(), {"\xff\xfe not UTF-8"}, {}, ec);
  CHECK(ec == strait::errc::invalid_argument);
}

TEST_CASE("win32.spawned_child_inherits_only_its_own_handles", "[spawn][handles]") {
  // A handle this process made inheritable for reasons of its own, as other
  // code in a program may: without the handle list every child gets it.
  SECURITY_ATTRIBUTES inheritable{sizeof(inheritable), nullptr, TRUE};
  const HANDLE event = ::CreateEventW(&inheritable, TRUE, FALSE, nullptr);
  REQUIRE(event != nullptr);

  // Two threads spawn at once, so that one's child ends are inheritable
  // while the other starts a child: neither child may get them. The child
  // (tests/process) reports its inheritable handles by role.
  constexpr int children_per_thread = 8;
  std::mutex lock;
  std::vector<std::string> failures;
  int checked = 0;
  const auto spawn_several = [&] {
    for (int i = 0; i < children_per_thread; ++i) {
      std::string failure;
      try {
        asio::io_context io;
        strait::spawn_options options;
        options.std_in = strait::stdio::pipe;
        options.std_out = strait::stdio::pipe;
        options.std_err = strait::stdio::discard;
        auto child = strait::spawn(io, test_program("strait_process_child.exe").string(),
                                   {"inherited"}, options);
        const auto report = text_of(child.channel().receive());
        if (report != strait::test::expected_inherited_descriptors())
          failure = "child " + std::to_string(child.pid()) + ": " + report;
        child.channel().close();
        if (child.wait() != 0) failure += " (exit code not 0)";
      } catch (const std::exception& e) {
        failure = e.what();
      }
      std::lock_guard guard(lock);
      ++checked;
      if (!failure.empty()) failures.push_back(failure);
    }
  };
  std::thread other(spawn_several);
  spawn_several();
  other.join();
  ::CloseHandle(event);

  CHECK(checked == 2 * children_per_thread);
  for (const auto& f : failures) FAIL_CHECK(f);
}

TEST_CASE("win32.spawn_feeds_a_plain_win32_child_through_its_standard_streams",
          "[spawn][stdio][interop]") {
  asio::io_context io;
  strait::spawn_options options;
  options.with_channel = false;
  options.std_in = strait::stdio::pipe;
  options.std_out = strait::stdio::pipe;
  auto child = strait::spawn(io, test_program("plain_uppercase.exe").string(), {}, options);

  // More than both pipes' buffers hold, written and read at once: a parent
  // that wrote all before reading would wait forever.
  std::string input(1 << 20, ' ');
  for (std::size_t i = 0; i < input.size(); ++i)
    input[i] = static_cast<char>("abcdefghijklmnopqrstuvwxyz .,!\n"[i % 31]);
  std::string expected = input;
  for (auto& c : expected)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');

  std::error_code write_error;
  asio::async_write(child.std_in(), asio::buffer(input), [&](std::error_code e, std::size_t) {
    write_error = e;
    child.std_in().close();  // the child's end of input
  });
  std::string output;
  std::error_code read_error;
  asio::async_read(child.std_out(), asio::dynamic_buffer(output),
                   [&](std::error_code e, std::size_t) { read_error = e; });
  io.run();

  CHECK_FALSE(write_error);
  // asio reports the writer's close as broken_pipe on Windows pipes, eof elsewhere.
  CHECK((read_error == asio::error::eof || read_error == asio::error::broken_pipe));
  CHECK(output.size() == expected.size());
  CHECK(output == expected);
  CHECK(child.wait() == 0);
}

TEST_CASE("win32.spawn_finds_a_program_in_path_with_exe_appended", "[spawn][lookup]") {
  const auto dir = test_program("plain_uppercase.exe").parent_path().wstring();
  std::wstring old_path(32767, L'\0');
  old_path.resize(::GetEnvironmentVariableW(L"PATH", old_path.data(), 32767));
  ::SetEnvironmentVariableW(L"PATH", (dir + L";" + old_path).c_str());

  asio::io_context io;
  strait::spawn_options options;
  options.with_channel = false;
  options.std_in = strait::stdio::discard;  // the end of input at once
  options.std_out = strait::stdio::discard;
  std::error_code ec;
  auto child = strait::spawn(io, "plain_uppercase", {}, options, ec);
  ::SetEnvironmentVariableW(L"PATH", old_path.c_str());
  REQUIRE_FALSE(ec);
  CHECK(child.wait() == 0);

  strait::spawn(io, "plain_uppercase_is_not_here", {}, options, ec);
  CHECK(ec == strait::errc::not_found);
}

TEST_CASE("win32.spawn_of_a_file_that_is_no_program_is_access_denied", "[spawn][lookup]") {
  const auto path = std::filesystem::temp_directory_path() /
                    (strait::test::unique_name("not-a-program") + ".exe");
  std::ofstream(path) << "echo this is text, not a program\n";
  asio::io_context io;
  std::error_code ec;
  auto child = strait::spawn(io, path.string(), {}, {}, ec);
  std::filesystem::remove(path);
  CHECK(ec == strait::errc::access_denied);
  CHECK_FALSE(child.valid());
}

namespace {

constexpr wchar_t variable[] = L"STRAIT_PARENT_CHANNEL";

bool variable_is_set() {
  wchar_t value[8];
  return ::GetEnvironmentVariableW(variable, value, 8) != 0 ||
         ::GetLastError() != ERROR_ENVVAR_NOT_FOUND;
}

std::wstring widen(const std::string& ascii) { return {ascii.begin(), ascii.end()}; }

std::wstring value_of(HANDLE h) { return std::to_wstring(reinterpret_cast<std::uintptr_t>(h)); }

HANDLE copy_of(HANDLE h) {
  HANDLE copy = nullptr;
  REQUIRE(::DuplicateHandle(::GetCurrentProcess(), h, ::GetCurrentProcess(), &copy, 0, FALSE,
                            DUPLICATE_SAME_ACCESS));
  return copy;
}

}  // namespace

TEST_CASE("win32.parent_channel_refuses_a_handle_that_is_no_channel_end", "[spawn][parent]") {
  asio::io_context io;
  auto [server_end, client_end] = strait::channel_pair(io);
  const HANDLE event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
  HANDLE byte_read = nullptr, byte_write = nullptr;
  REQUIRE(::CreatePipe(&byte_read, &byte_write, nullptr, 0));
  const HANDLE server_copy = copy_of(static_cast<HANDLE>(server_end.native_handle()));

  const std::vector<std::wstring> values{
      L"not a number", L"0", L"-4", L"12abc", L"99999999999999999999999999",
      L"18446744073709551615",  // the current process's pseudo handle
      value_of(event),          // a handle, not a pipe
      value_of(byte_read),      // a pipe, in byte mode
      value_of(server_copy),    // a message pipe's server end
  };
  for (const auto& value : values) {
    INFO("STRAIT_PARENT_CHANNEL=" << std::string(value.begin(), value.end()));
    ::SetEnvironmentVariableW(variable, value.c_str());
    std::error_code ec;
    auto channel = strait::parent_channel(io, ec);
    CHECK(ec == strait::errc::not_found);
    CHECK_FALSE(channel.is_open());
    CHECK_FALSE(variable_is_set());
  }
  // Left alone: the handles named are still ours and open.
  for (const HANDLE h : {event, byte_read, server_copy}) {
    DWORD flags = 0;
    CHECK(::GetHandleInformation(h, &flags));
    ::CloseHandle(h);
  }
  ::CloseHandle(byte_write);
}

TEST_CASE("win32.parent_channel_takes_its_end_once", "[spawn][parent]") {
  // What a parent in any language gives its child (docs/wire-format.md): the
  // client end of a message-mode pipe, opened for overlapped I/O. (A copy of
  // a channel_pair end would not do: its pipe is on this io_context's
  // completion port already, and a pipe joins one port only.)
  const auto path = L"\\\\.\\pipe\\" + widen(strait::test::unique_name("parent-channel"));
  const HANDLE server = ::CreateNamedPipeW(path.c_str(), PIPE_ACCESS_DUPLEX,
                                          PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE, 1, 4096,
                                          4096, 0, nullptr);
  REQUIRE(server != INVALID_HANDLE_VALUE);
  const HANDLE client = ::CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr,
                                      OPEN_EXISTING, FILE_FLAG_OVERLAPPED, nullptr);
  REQUIRE(client != INVALID_HANDLE_VALUE);
  DWORD mode = PIPE_READMODE_MESSAGE;
  REQUIRE(::SetNamedPipeHandleState(client, &mode, nullptr, nullptr));
  // Set as a program's environment is, the C runtime's copy too.
  ::_wputenv((std::wstring(variable) + L"=" + value_of(client)).c_str());
  REQUIRE(std::getenv("STRAIT_PARENT_CHANNEL") != nullptr);

  asio::io_context io;
  auto taken = strait::parent_channel(io);
  CHECK_FALSE(variable_is_set());
  CHECK(std::getenv("STRAIT_PARENT_CHANNEL") == nullptr);
  DWORD n = 0;
  REQUIRE(::WriteFile(server, "to the child", 12, &n, nullptr));
  CHECK(text_of(taken.receive()) == "to the child");
  send_text(taken, "to the parent");
  char reply[64];
  REQUIRE(::ReadFile(server, reply, sizeof reply, &n, nullptr));
  CHECK(std::string(reply, n) == "to the parent");
  CHECK(taken.peer().pid == ::GetCurrentProcessId());

  std::error_code ec;
  strait::parent_channel(io, ec);
  CHECK(ec == strait::errc::not_found);
  taken.close();  // the parent sees its child's end closed
  CHECK_FALSE(::ReadFile(server, reply, sizeof reply, &n, nullptr));
  CHECK(::GetLastError() == ERROR_BROKEN_PIPE);
  ::CloseHandle(server);
}
