// strait_mailslot_peer — the other processes of a mailslot test: writers,
// second readers, broadcast readers, plain Win32 readers and writers.
//
//   strait_mailslot_peer ROLE ARGS...
//
// Exit code 0: the role did all it should and found nothing wrong; 1: it
// found something wrong (said on stderr); try-* roles exit with the
// strait::errc they got (0: it worked). Every wait is bounded.
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <strait/strait.hpp>

#include "native.hpp"
#include "traffic.hpp"

namespace {

using namespace std::chrono_literals;
namespace mt = strait::mailslot_test;

constexpr auto io_timeout = 30s;  // longer than the test's own, so the test reports first
constexpr auto wait_to_be_killed = 60s;
constexpr int not_killed = 3;

struct failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using args_t = std::vector<std::string>;

std::size_t number(const args_t& a, std::size_t i) { return std::stoull(a.at(i)); }
std::uint32_t number32(const args_t& a, std::size_t i) {
  return static_cast<std::uint32_t>(std::stoul(a.at(i)));
}

strait::channel connect(asio::io_context& io, const std::string& url) {
  auto ch = strait::connect(io, url);
  ch.set_send_timeout(io_timeout);
  return ch;
}

// Tells the test this peer is ready: one message to its report mailslot.
void report(asio::io_context& io, const std::string& url, const std::string& text) {
  connect(io, url).send(strait::buffer(text));
}

strait::broadcast_options on_interface(const std::string& address) {
  strait::broadcast_options b;
  b.interface_address = address;
  return b;
}

// write URL WRITER COUNT [async]: COUNT tagged messages of writer WRITER
// (M2), sized for the writer's limit; with "async", through async_send.
int write(asio::io_context& io, const args_t& a) {
  auto ch = connect(io, a.at(0));
  const auto writer = number32(a, 1);
  const auto count = number32(a, 2);
  const auto limit = ch.capabilities().max_message_size;
  if (a.size() < 4) {
    for (std::uint32_t k = 0; k < count; ++k) ch.send(asio::buffer(mt::stream_message(writer, k, limit)));
    return 0;
  }
  std::uint32_t k = 0;
  std::vector<std::byte> message;
  std::function<void(std::error_code, std::size_t)> next = [&](std::error_code ec, std::size_t n) {
    if (ec) throw failure("async_send of message " + std::to_string(k) + ": " + ec.message());
    if (n != message.size()) throw failure("async_send reported " + std::to_string(n) + " bytes");
    if (++k == count) return;
    message = mt::stream_message(writer, k, limit);
    ch.async_send(asio::buffer(message), next);
  };
  message = mt::stream_message(writer, 0, limit);
  ch.async_send(asio::buffer(message), next);
  io.run();
  if (k != count) throw failure("the io_context ran out after " + std::to_string(k) + " messages");
  return 0;
}

// fill URL TIMEOUT_MS REPORT_URL: sends tagged messages of writer 0 with a
// send timeout until one times out (a full mailslot whose reader waits),
// then tells REPORT_URL how many went out. Stops at 100000 regardless.
int fill(asio::io_context& io, const args_t& a) {
  auto ch = connect(io, a.at(0));
  ch.set_send_timeout(std::chrono::milliseconds(number(a, 1)));
  std::uint32_t sent = 0;
  std::error_code ec;
  for (; sent < 100000; ++sent) {
    ch.send(asio::buffer(mt::stream_message(0, sent, 64)), ec);
    if (ec) break;
  }
  if (ec != strait::errc::timed_out) throw failure("the last send said " + ec.message());
  report(io, a.at(2), std::to_string(sent));
  return 0;
}

// send-sizes URL SIZE...: one message of each size, content payload(1, i, size).
int send_sizes(asio::io_context& io, const args_t& a) {
  auto ch = connect(io, a.at(0));
  for (std::size_t i = 1; i < a.size(); ++i) ch.send(asio::buffer(mt::payload(1, i - 1, number(a, i))));
  return 0;
}

// send-after MS URL SIZE: waits MS milliseconds, then sends one message (M4).
int send_after(asio::io_context& io, const args_t& a) {
  std::this_thread::sleep_for(std::chrono::milliseconds(number(a, 0)));
  connect(io, a.at(1)).send(asio::buffer(mt::payload(1, 0, number(a, 2))));
  return 0;
}

// try-send URL SIZE [MAX]: the errc of sending SIZE bytes (0: sent). With
// MAX, first checks that capabilities() report that maximum (M3).
int try_send(asio::io_context& io, const args_t& a) {
  auto ch = connect(io, a.at(0));
  if (a.size() > 2 && ch.capabilities().max_message_size != number(a, 2))
    throw failure("capabilities().max_message_size is " +
                  std::to_string(ch.capabilities().max_message_size));
  std::error_code ec;
  ch.send(asio::buffer(mt::payload(1, 0, number(a, 1))), ec);
  std::error_code async_ec;
  if (ec == strait::errc::message_too_large) {  // the same before anything is sent, async
    ch.async_send(asio::buffer(mt::payload(1, 0, number(a, 1))),
                  [&](std::error_code e, std::size_t) { async_ec = e; });
    io.run_for(io_timeout);
    if (async_ec != ec) throw failure("async_send said " + async_ec.message());
  }
  return static_cast<int>(strait::to_errc(ec));
}

// writer-rules URL: a writer is one-way (M1).
int writer_rules(asio::io_context& io, const args_t& a) {
  auto ch = connect(io, a.at(0));
  const auto caps = ch.capabilities();
  if (!caps.can_send || caps.can_receive || caps.duplex()) throw failure("capabilities are not one-way");
  std::error_code ec;
  std::byte b[16];
  ch.receive(asio::buffer(b), ec);
  if (ec != strait::errc::access_denied) throw failure("receive said " + ec.message());
  ch.receive(ec);
  if (ec != strait::errc::access_denied) throw failure("receive() said " + ec.message());
  std::error_code async_ec;
  ch.async_receive(asio::buffer(b), [&](std::error_code e, std::size_t) { async_ec = e; });
  io.run_for(io_timeout);
  if (async_ec != strait::errc::access_denied) throw failure("async_receive said " + async_ec.message());
  ch.send(strait::buffer("still a writer"));
  return 0;
}

// second-send URL [INTERFACE]: "first" with async_send and, while it is in
// flight, "second": exits with the errc of the second (one send at a time:
// invalid_argument); the first must complete in full. INTERFACE: a
// broadcast writer's interface (M6).
int second_send(asio::io_context& io, const args_t& a) {
  auto ch = a.size() > 1 ? strait::connect_mailslot(io, a.at(0), on_interface(a.at(1)))
                         : connect(io, a.at(0));
  std::error_code first_ec, second_ec;
  std::size_t first_sent = 0;
  ch.async_send(strait::buffer("first"), [&](std::error_code e, std::size_t n) {
    first_ec = e;
    first_sent = n;
  });
  ch.async_send(strait::buffer("second"), [&](std::error_code e, std::size_t) { second_ec = e; });
  io.run_for(io_timeout);
  if (first_ec) throw failure("the first async_send said " + first_ec.message());
  if (first_sent != 5) throw failure("the first async_send reported a short count");
  return static_cast<int>(strait::to_errc(second_ec));
}

// try-create NAME: the errc of creating mailslot NAME (M2).
int try_create(asio::io_context& io, const args_t& a) {
  std::error_code ec;
  strait::mailslot::create(io, a.at(0), {}, ec);
  return static_cast<int>(strait::to_errc(ec));
}

// hold NAME REPORT_URL: creates mailslot NAME, reports, waits to be killed (M2).
int hold(asio::io_context& io, const args_t& a) {
  auto box = strait::mailslot::create(io, a.at(0));
  report(io, a.at(1), "ready");
  box.set_read_timeout(wait_to_be_killed);
  std::error_code ec;
  box.receive(ec);
  return not_killed;
}

// broadcast-read NAME BROADCAST_NAME INTERFACE REPORT_URL WRITERS COUNT:
// receives broadcasts of BROADCAST_NAME on mailslot NAME, reports that it
// listens, then checks WRITERS x COUNT messages, each writer's in order (M6).
int broadcast_read(asio::io_context& io, const args_t& a) {
  strait::mailslot_options o;
  o.receive_broadcasts = true;
  o.broadcast = on_interface(a.at(2));
  o.broadcast.name = a.at(1);
  o.read_timeout = io_timeout;
  auto box = strait::mailslot::create(io, a.at(0), o);
  if (!box.capabilities().broadcast) throw failure("capabilities().broadcast is false");
  report(io, a.at(3), "ready");
  mt::order_checker checker(number32(a, 4), number32(a, 5), strait::default_broadcast_message_size);
  std::size_t received = 0;
  while (!checker.done()) {
    std::error_code ec;
    const auto m = box.receive(ec);
    if (ec)
      throw failure("after " + std::to_string(received) + " messages, receive said " + ec.message());
    if (auto problem = checker.check(m); !problem.empty()) throw failure(problem);
    ++received;
  }
  return 0;
}

// broadcast-write URL INTERFACE WRITER COUNT: COUNT tagged messages (M6).
int broadcast_write(asio::io_context& io, const args_t& a) {
  auto ch = strait::connect_mailslot(io, a.at(0), on_interface(a.at(1)));
  const auto writer = number32(a, 2);
  const auto count = number32(a, 3);
  for (std::uint32_t k = 0; k < count; ++k)
    ch.send(asio::buffer(mt::stream_message(writer, k, strait::default_broadcast_message_size)));
  return 0;
}

const std::map<std::string, std::function<int(asio::io_context&, const args_t&)>> roles{
    {"write", write},
    {"fill", fill},
    {"send-sizes", send_sizes},
    {"send-after", send_after},
    {"try-send", try_send},
    {"writer-rules", writer_rules},
    {"second-send", second_send},
    {"try-create", try_create},
    {"hold", hold},
    {"broadcast-read", broadcast_read},
    {"broadcast-write", broadcast_write},
    {"native-read", strait::mailslot_test::native_read},
    {"native-write", strait::mailslot_test::native_write},
    {"native-write-size", strait::mailslot_test::native_write_size},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !roles.contains(argv[1])) {
    std::fprintf(stderr, "usage: strait_mailslot_peer ROLE ARGS...\nroles:");
    for (const auto& [name, run] : roles) std::fprintf(stderr, " %s", name.c_str());
    std::fprintf(stderr, "\n");
    return 2;
  }
  const std::string role = argv[1];
  const args_t args(argv + 2, argv + argc);
  asio::io_context io;
  try {
    return roles.at(role)(io, args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mailslot peer %s: %s\n", role.c_str(), e.what());
    return 1;
  }
}
