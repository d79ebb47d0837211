// A child started by strait::spawn in tests/win32/process_test.cpp; it
// reports over its parent_channel what it was given.
//
//   strait_spawn_child_win32 argv ARG...
//       sends each argument as CommandLineToArgvW parsed the command line
//       (UTF-8), then the message "--crt--", then each as
//       the C runtime gave it to main
//   strait_spawn_child_win32 handles
//       lists the inheritable handles it holds (before parent_channel takes
//       its end), sends "channel V", "stdin V", "stdout V", "stderr V" and
//       "inheritable V V ..." (handle values in decimal) as one message,
//       then waits for one message from the parent and exits
//
// Exit code 0 when all went well, 2 when the channel could not be taken.
#include <windows.h>
#include <shellapi.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>

#include <strait/process.hpp>

namespace {

// Handle values are multiples of 4 and inherited ones keep the parent's; a
// test process holds a few hundred at most. (Each probe is a wineserver call
// under Wine, whose GetProcessHandleCount undercounts: the bound is fixed.)
constexpr std::uintptr_t highest_probed_handle = 1 << 14;

std::string narrow(const wchar_t* text) {
  const int n = ::WideCharToMultiByte(CP_UTF8, 0, text, -1, nullptr, 0, nullptr, nullptr);
  std::string s(static_cast<std::size_t>(n > 0 ? n : 1), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, text, -1, s.data(), n, nullptr, nullptr);
  s.resize(s.size() - 1);
  return s;
}

std::string value_of(HANDLE h) {
  return std::to_string(reinterpret_cast<std::uintptr_t>(h));
}

std::string inheritable_handles() {
  std::string list;
  for (std::uintptr_t v = 4; v <= highest_probed_handle; v += 4) {
    DWORD flags = 0;
    if (::GetHandleInformation(reinterpret_cast<HANDLE>(v), &flags) &&
        (flags & HANDLE_FLAG_INHERIT))
      list += " " + std::to_string(v);
  }
  return list;
}

void send(strait::channel& channel, std::string_view text) {
  channel.send(asio::buffer(text.data(), text.size()));
}

int echo_arguments(strait::channel& channel, int argc, char** argv) {
  int count = 0;
  wchar_t** wide = ::CommandLineToArgvW(::GetCommandLineW(), &count);
  if (!wide) return 1;
  for (int i = 2; i < count; ++i) send(channel, narrow(wide[i]));
  ::LocalFree(wide);
  send(channel, "--crt--");
  for (int i = 2; i < argc; ++i) send(channel, argv[i]);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return 1;
  const std::string_view mode = argv[1];
  // Before parent_channel, which makes the channel's end not inheritable.
  const std::string inheritable = mode == "handles" ? inheritable_handles() : std::string();
  char variable[64] = "";
  ::GetEnvironmentVariableA("STRAIT_PARENT_CHANNEL", variable, sizeof variable);

  asio::io_context io;
  std::error_code ec;
  auto channel = strait::parent_channel(io, ec);
  if (ec) {
    std::fprintf(stderr, "spawn_child_win32: parent_channel: %s\n", ec.message().c_str());
    return 2;
  }
  if (mode == "argv") return echo_arguments(channel, argc, argv);
  if (mode == "handles") {
    send(channel, std::string("channel ") + variable +
                      "\nstdin " + value_of(::GetStdHandle(STD_INPUT_HANDLE)) +
                      "\nstdout " + value_of(::GetStdHandle(STD_OUTPUT_HANDLE)) +
                      "\nstderr " + value_of(::GetStdHandle(STD_ERROR_HANDLE)) +
                      "\ninheritable" + inheritable);
    channel.receive();
    return 0;
  }
  return 1;
}
