// copydata:// against plain Win32 programs (tests/win32/plain_copydata_peer.cpp,
// no strait): a strait writer to a plain window procedure, a plain
// SendMessage to a strait reader, and a window that never pumps.
#include <cctype>
#include <chrono>
#include <string>
#include <thread>

#include <strait/strait.hpp>

#include "catch.hpp"
#include "child_process.hpp"
#include "connect_when_served.hpp"
#include "traffic.hpp"

namespace {

using namespace std::chrono_literals;
namespace ct = strait::copydata_test;

constexpr auto io_timeout = 20s;
constexpr auto exit_timeout = 60s;

strait::test::child_process start_plain(std::string_view role, const std::vector<std::string>& args) {
  return strait::test::start_beside("plain_copydata_peer", role, args);
}

// A writer to a window a plain program is still creating (not_found until it is up).
strait::channel connect_when_shown(asio::io_context& io, const std::string& url,
                                   const strait::connect_options& options = {}) {
  return strait::test::connect_when_served(io, url, io_timeout, options);
}

}  // namespace

TEST_CASE("interop.strait_writer_to_a_plain_window_procedure", "[win32]") {
  const auto class_name = strait::test::unique_name("PlainTarget");
  constexpr std::size_t count = 6;
  auto peer = start_plain("window", {class_name, "Plain title", std::to_string(count)});
  asio::io_context io;
  for (std::size_t i = 0; i < count; ++i) {
    strait::connect_options o;
    o.copydata_data = ct::data_of(i);
    // By class alone, then by class and title ('/' and ' ' as written in a URL).
    const auto url = "copydata://window/" + class_name + (i % 2 ? "/Plain title" : "");
    auto w = connect_when_shown(io, url, o);
    w.set_send_timeout(io_timeout);
    const auto m = ct::message(i);
    w.send(asio::buffer(m));
    CHECK(strait::copydata_last_result(w) == static_cast<std::intptr_t>(0x5000 + i));
  }
  CHECK(strait::test::exit_code_within(peer, exit_timeout) == 0);
}

TEST_CASE("interop.a_title_that_does_not_match_is_not_found", "[win32]") {
  const auto class_name = strait::test::unique_name("PlainTarget");
  auto peer = start_plain("window", {class_name, "Right", "1"});
  asio::io_context io;
  strait::connect_options o;
  o.copydata_data = ct::data_of(0);
  auto right = connect_when_shown(io, "copydata://window/" + class_name + "/Right", o);
  std::error_code ec;
  strait::connect(io, "copydata://window/" + class_name + "/Wrong", {}, ec);
  CHECK(ec == strait::errc::not_found);
  right.send(asio::buffer(ct::message(0)));  // lets the peer end
  CHECK(strait::test::exit_code_within(peer, exit_timeout) == 0);
}

TEST_CASE("interop.plain_sendmessage_to_a_strait_reader", "[win32]") {
  const auto name = strait::test::unique_name("copydata");
  asio::io_context io;
  auto listener = strait::listen(io, "copydata://" + name);
  auto reader = listener.accept();
  reader.set_receive_timeout(io_timeout);
  std::string lower = name;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto peer = start_plain("send", {"strait.copydata." + lower, "77", "hello from win32"});
  const auto m = reader.receive();
  CHECK(std::string(reinterpret_cast<const char*>(m.data()), m.size()) == "hello from win32");
  CHECK(strait::copydata_received_data(reader) == 77);
  CHECK(strait::test::exit_code_within(peer, exit_timeout) == 0);  // it got LRESULT 1
}

TEST_CASE("interop.a_window_that_never_pumps_times_out_then_vanishes_as_broken_pipe", "[win32]") {
  const auto class_name = strait::test::unique_name("Hung");
  auto peer = start_plain("hung", {class_name});
  asio::io_context io;
  auto w = connect_when_shown(io, "copydata://window/" + class_name);
  w.set_send_timeout(300ms);
  std::error_code ec;
  w.send(strait::buffer("anyone?"), ec);
  CHECK(ec == strait::errc::timed_out);
  peer.kill();
  REQUIRE(peer.wait(io_timeout) == strait::test::killed_exit_code);
  w.send(strait::buffer("gone?"), ec);
  CHECK(ec == strait::errc::broken_pipe);
}

TEST_CASE("N2.a_writer_checks_who_reads", "[win32]") {
  const auto name = strait::test::unique_name("copydata");
  const auto url = "copydata://" + name;
  auto peer = start_plain("window", {"strait.copydata." + name, "", "1"});
  asio::io_context io;
  // The plain program's window has the class of copydata://NAME: it reads NAME,
  // as the current user (Wine runs every process as one user).
  strait::connect_options data;
  data.copydata_data = ct::data_of(0);
  auto ours = connect_when_shown(io, url, data);
  // Expecting another user (a SID no process has), the same window is refused.
  strait::connect_options o;
  o.server_user = "S-1-5-21-1000000000-2000000000-3000000000-1001";
  std::error_code ec;
  strait::connect(io, url, o, ec);
  CHECK(ec == strait::errc::access_denied);
  // Delivered, but the plain window answers 0x5000, not a strait reader's 1.
  ours.send(asio::buffer(ct::message(0)), ec);
  CHECK(ec == strait::errc::protocol_error);
  CHECK(strait::copydata_last_result(ours) == 0x5000);
  CHECK(strait::test::exit_code_within(peer, exit_timeout) == 0);
}
