// A child started by strait::spawn in tests/win32/process_test.cpp: it
// reports over its parent_channel the arguments it was given.
//
//   strait_spawn_child_win32 ARG...
//       sends each ARG as CommandLineToArgvW parsed the command line
//       (UTF-8), then the message "--crt--", then each as the C runtime
//       gave it to main
//
// Exit code 0 when all went well, 2 when the channel could not be taken.
#include <windows.h>
#include <shellapi.h>

#include <cstdio>
#include <string>
#include <string_view>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>

#include <strait/process.hpp>

namespace {

std::string narrow(const wchar_t* text) {
  const int n = ::WideCharToMultiByte(CP_UTF8, 0, text, -1, nullptr, 0, nullptr, nullptr);
  std::string s(static_cast<std::size_t>(n > 0 ? n : 1), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, text, -1, s.data(), n, nullptr, nullptr);
  s.resize(s.size() - 1);
  return s;
}

void send(strait::channel& channel, std::string_view text) {
  channel.send(asio::buffer(text.data(), text.size()));
}

}  // namespace

int main(int argc, char** argv) {
  asio::io_context io;
  std::error_code ec;
  auto channel = strait::parent_channel(io, ec);
  if (ec) {
    std::fprintf(stderr, "spawn_child_win32: parent_channel: %s\n", ec.message().c_str());
    return 2;
  }
  int count = 0;
  wchar_t** wide = ::CommandLineToArgvW(::GetCommandLineW(), &count);
  if (!wide) return 1;
  for (int i = 1; i < count; ++i) send(channel, narrow(wide[i]));
  ::LocalFree(wide);
  send(channel, "--crt--");
  for (int i = 1; i < argc; ++i) send(channel, argv[i]);
  return 0;
}
