// pipe:// against named pipes that know nothing of strait (the plain Win32
// peer in plain_pipe_peer.cpp, another process), and the security of the
// pipes strait creates (N2). Windows builds only; under Wine in CI.
#include <windows.h>

#include <aclapi.h>
#include <sddl.h>

#include <array>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"
#include "connect_when_served.hpp"

using namespace std::chrono_literals;
using strait::errc;
using strait::test::child_process;

namespace {

std::filesystem::path plain_peer() {
  return strait::test::self_executable_path().parent_path() / "plain_pipe_peer.exe";
}

std::vector<std::byte> pattern(std::size_t size, std::size_t seed) {
  std::vector<std::byte> bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = std::byte((i * 31 + seed) & 0xff);
  return bytes;
}

}  // namespace

TEST_CASE("win32.strait_client_talks_to_a_plain_win32_server", "[interop][C1][C3]") {
  const std::string name = strait::test::unique_name("interop-server");
  child_process server(plain_peer(), {"server", name});
  asio::io_context io;
  strait::channel ch = strait::test::connect_when_served(io, "pipe://" + name);
  ch.set_receive_timeout(20s);

  for (std::size_t size : {std::size_t{5}, std::size_t{100000}, std::size_t{1}}) {
    const auto message = pattern(size, size);
    ch.send(asio::buffer(message));
    CHECK(ch.receive() == message);  // C1: one WriteFile, one message
  }

  // C3 against a plain server: a 10-byte receive of a 100-byte message.
  const auto hundred = pattern(100, 7);
  ch.send(asio::buffer(hundred));
  std::array<std::byte, 10> head{};
  std::error_code ec;
  CHECK(ch.receive(asio::buffer(head), ec) == head.size());
  CHECK(ec == errc::more_data);
  std::array<std::byte, 100> rest{};
  CHECK(ch.receive(asio::buffer(rest), ec) == 90);
  CHECK_FALSE(ec);
  CHECK(std::equal(head.begin(), head.end(), hundred.begin()));
  CHECK(std::equal(rest.begin(), rest.begin() + 90, hundred.begin() + 10));

  ch.close();  // the plain server sees ERROR_BROKEN_PIPE and exits 0
  CHECK(server.wait(20s) == 0);
}

TEST_CASE("win32.plain_win32_client_talks_to_a_strait_listener", "[interop][C1]") {
  const std::string name = strait::test::unique_name("interop-client");
  asio::io_context io;
  strait::listener server = strait::listen(io, "pipe://" + name);
  server.set_accept_timeout(20s);
  child_process client(plain_peer(), {"client", name, "0", "6", "70000", "1048576"});
  strait::channel ch = server.accept();
  ch.set_receive_timeout(20s);
  for (int i = 0; i < 4; ++i) {
    std::error_code ec;
    auto message = ch.receive(ec);
    REQUIRE_FALSE(ec);
    ch.send(asio::buffer(message));
  }
  CHECK(client.wait(20s) == 0);  // every echo came back whole
  std::error_code ec;
  ch.receive(ec);
  CHECK(ec == errc::broken_pipe);  // C4
}

TEST_CASE("win32.remote_clients_are_an_explicit_option", "[N2]") {
  const std::string name = strait::test::unique_name("interop-remote");
  asio::io_context io;
  strait::listen_options options;
  options.allow_remote_clients = true;
  strait::listener server = strait::listen(io, "pipe://" + name, options);
  server.set_accept_timeout(20s);
  // A local client still gets in; remote ones would too (CI has one machine).
  child_process client(plain_peer(), {"client", name, "3"});
  strait::channel ch = server.accept();
  ch.set_receive_timeout(20s);
  ch.send(asio::buffer(ch.receive()));
  CHECK(client.wait(20s) == 0);
}

TEST_CASE("win32.pipe_buffer_size_is_the_listeners_choice", "[pipe]") {
  for (const std::size_t asked : {std::size_t{0}, std::size_t{64 * 1024}}) {
    const std::string name = strait::test::unique_name("interop-buffers");
    asio::io_context io;
    strait::listen_options options;
    options.buffer_size = asked;
    strait::listener server = strait::listen(io, "pipe://" + name, options);
    const std::string path = "\\\\.\\pipe\\" + name;
    HANDLE pipe = ::CreateFileA(path.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr,
                                OPEN_EXISTING, 0, nullptr);
    REQUIRE(pipe != INVALID_HANDLE_VALUE);
    DWORD out_size = 0, in_size = 0;
    REQUIRE(::GetNamedPipeInfo(pipe, nullptr, &out_size, &in_size, nullptr));
    const DWORD expected = asked ? static_cast<DWORD>(asked) : 1u << 20;
    INFO("asked for " << asked);
    CHECK(out_size == expected);
    CHECK(in_size == expected);
    ::CloseHandle(pipe);
  }
}

TEST_CASE("win32.pipes_are_message_mode_and_private_to_the_user", "[N2]") {
  const std::string name = strait::test::unique_name("interop-dacl");
  asio::io_context io;
  strait::listener server = strait::listen(io, "pipe://" + name);

  const std::string path = "\\\\.\\pipe\\" + name;
  HANDLE pipe = ::CreateFileA(path.c_str(), GENERIC_READ | GENERIC_WRITE | READ_CONTROL, 0,
                              nullptr, OPEN_EXISTING, 0, nullptr);
  REQUIRE(pipe != INVALID_HANDLE_VALUE);

  DWORD flags = 0;
  REQUIRE(::GetNamedPipeInfo(pipe, &flags, nullptr, nullptr, nullptr));
  CHECK((flags & PIPE_TYPE_MESSAGE) != 0);  // C1 comes from the pipe itself
  // PIPE_REJECT_REMOTE_CLIENTS is not observable through the API; a remote
  // client is what would show it, and CI has no second machine.

  // Every ACE of the pipe's DACL allows the current user and nobody else.
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR sd = nullptr;
  REQUIRE(::GetSecurityInfo(pipe, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr,
                            &dacl, nullptr, &sd) == ERROR_SUCCESS);
  REQUIRE(dacl != nullptr);  // a NULL DACL would let everyone in

  HANDLE token = nullptr;
  REQUIRE(::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token));
  std::vector<char> user_buffer(256);
  DWORD length = 0;
  REQUIRE(::GetTokenInformation(token, TokenUser, user_buffer.data(),
                                static_cast<DWORD>(user_buffer.size()), &length));
  const PSID me = reinterpret_cast<TOKEN_USER*>(user_buffer.data())->User.Sid;

  CHECK(dacl->AceCount >= 1);
  for (DWORD i = 0; i < dacl->AceCount; ++i) {
    ACE_HEADER* ace = nullptr;
    REQUIRE(::GetAce(dacl, i, reinterpret_cast<void**>(&ace)));
    INFO("ACE " << i);
    CHECK(ace->AceType == ACCESS_ALLOWED_ACE_TYPE);
    if (ace->AceType == ACCESS_ALLOWED_ACE_TYPE) {
      auto* allowed = reinterpret_cast<ACCESS_ALLOWED_ACE*>(ace);
      CHECK(::EqualSid(reinterpret_cast<PSID>(&allowed->SidStart), me));
    }
  }
  ::LocalFree(sd);
  ::CloseHandle(token);
  ::CloseHandle(pipe);
}
