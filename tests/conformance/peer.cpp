// strait_conformance_peer — the other end of a conformance test's channel,
// run in its own process by the test.
//
//   strait_conformance_peer ROLE URL [ARGS...]
//
// Every role but try-listen and serve connects to URL; URL "spawn" means the
// test started this peer with strait::spawn, and the channel is its parent's. Exit code 0 means
// the role did all it should and found nothing wrong; 1 means it found
// something wrong (said on stderr); try-listen exits with the strait::errc
// it got. Every wait is bounded, so an orphaned peer ends on its own.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <strait/strait.hpp>

#include "child_process.hpp"
#include "raw_frames.hpp"
#include "traffic.hpp"

namespace {

using namespace std::chrono_literals;
using strait::conformance::mismatch;
using strait::conformance::payload;
using strait::conformance::peer_seed;
using strait::conformance::test_seed;
using strait::test::frame_header;
using strait::test::write_raw;

constexpr auto io_timeout = 30s;     // longer than the test's own, so the test reports first
constexpr auto wait_to_be_killed = 60s;
constexpr int not_killed = 3;        // a role that waits to be killed timed out instead

struct failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string errc_text(const std::error_code& ec) { return ec ? ec.message() : "success"; }

struct peer {
  peer(std::string endpoint, std::vector<std::string> arguments)
      : url(std::move(endpoint)), args(std::move(arguments)) {}

  std::string url;
  std::vector<std::string> args;
  asio::io_context io;

  // URL "spawn": the channel strait::spawn made, taken with parent_channel
  // (its end keeps the default maximum message size).
  strait::channel connect(strait::connect_options options = {}) {
    options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(io_timeout);
    auto ch = url == "spawn" ? strait::parent_channel(io) : strait::connect(io, url, options);
    ch.set_send_timeout(io_timeout);
    ch.set_receive_timeout(io_timeout);
    return ch;
  }

  std::size_t size_arg(std::size_t i) const { return std::stoull(args.at(i)); }

  // Waits for the test to close its end; anything else is a failure.
  static int wait_for_close(strait::channel& ch) {
    std::error_code ec;
    const auto extra = ch.receive(ec);
    if (ec == strait::errc::broken_pipe) return 0;
    if (ec) throw failure("waiting for the test to close: " + errc_text(ec));
    throw failure("an unexpected message of " + std::to_string(extra.size()) + " bytes");
  }
};

// echo [MAX]: sends every message back until the test closes.
int echo(peer& p) {
  strait::connect_options options;
  if (!p.args.empty()) options.max_message_size = p.size_arg(0);
  auto ch = p.connect(options);
  for (;;) {
    std::error_code ec;
    const auto message = ch.receive(ec);
    if (ec == strait::errc::broken_pipe) return 0;
    if (ec) throw failure("receive: " + errc_text(ec));
    ch.send(asio::buffer(message));
  }
}

// send-sizes SIZE...: sends one message of each size, then waits for close.
int send_sizes(peer& p) {
  auto ch = p.connect();
  for (std::size_t i = 0; i < p.args.size(); ++i)
    ch.send(asio::buffer(payload(peer_seed, i, p.size_arg(i))));
  return peer::wait_for_close(ch);
}

// receive-sizes SIZE...: checks one message of each size, then that nothing follows.
int receive_sizes(peer& p) {
  auto ch = p.connect();
  for (std::size_t i = 0; i < p.args.size(); ++i) {
    const auto got = ch.receive();
    const auto problem = mismatch(payload(test_seed, i, p.size_arg(i)), got);
    if (!problem.empty()) throw failure("message " + std::to_string(i) + ": " + problem);
  }
  return peer::wait_for_close(ch);
}

// stream COUNT SEED: says SEED, sends COUNT messages of stream SEED, then
// checks COUNT messages of the reply stream, then waits for close (C2, C6).
int stream(peer& p) {
  const std::size_t count = p.size_arg(0);
  const std::uint64_t seed = std::stoull(p.args.at(1));
  auto ch = p.connect();
  ch.send(strait::buffer(std::to_string(seed)));
  for (std::size_t k = 0; k < count; ++k)
    ch.send(asio::buffer(strait::conformance::stream_message(seed, k)));
  const auto reply = strait::conformance::reply_seed(seed);
  for (std::size_t k = 0; k < count; ++k) {
    const auto problem = mismatch(strait::conformance::stream_message(reply, k), ch.receive());
    if (!problem.empty()) throw failure("reply " + std::to_string(k) + ": " + problem);
  }
  return peer::wait_for_close(ch);
}

// send-then-close COUNT: sends COUNT small messages, closes at once (C4).
int send_then_close(peer& p) {
  auto ch = p.connect();
  const std::size_t count = p.size_arg(0);
  for (std::size_t k = 0; k < count; ++k)
    ch.send(asio::buffer(payload(peer_seed, k, strait::conformance::small_size(k))));
  ch.close();
  return 0;
}

// hang-mid-message: sends a 1-byte message, then a message too large for
// the transport's buffers, and is killed while that send is under way (C4).
int hang_mid_message(peer& p) {
  auto ch = p.connect();
  ch.set_send_timeout(wait_to_be_killed);
  ch.send(asio::buffer(payload(peer_seed, 0, 1)));
  std::error_code ec;
  ch.send(asio::buffer(payload(peer_seed, 1, strait::conformance::huge_message_size)), ec);
  std::fprintf(stderr, "peer hang-mid-message: the send ended (%s) before the kill\n",
               errc_text(ec).c_str());
  return not_killed;
}

// half-message: writes the header and the first 400 bytes of a 1000-byte
// message, waits for the test's go, writes the other 600 bytes, then sends a
// 50-byte message and waits for close (C8: receives interrupted in the
// middle of a message lose nothing). Stream transports only.
int half_message(peer& p) {
  auto ch = p.connect();
  const auto message = payload(peer_seed, 0, 1000);
  auto first_part = frame_header(1000);
  first_part.insert(first_part.end(), message.begin(), message.begin() + 400);
  write_raw(ch, first_part);
  ch.receive();  // go
  write_raw(ch, std::span(message).subspan(400));
  ch.send(asio::buffer(payload(peer_seed, 1, 50)));
  return peer::wait_for_close(ch);
}

// idle: connects, then neither reads nor writes until killed (C4, C8).
int idle(peer& p) {
  auto ch = p.connect();
  std::this_thread::sleep_for(wait_to_be_killed);
  return not_killed;
}

// try-listen: listens on URL; the exit code is the strait::errc (0: it worked).
int try_listen(peer& p) {
  std::error_code ec;
  strait::listen(p.io, p.url, ec);
  return static_cast<int>(strait::to_errc(ec));
}

// serve REPORT_URL: listens on URL, tells the test at REPORT_URL the URL it
// serves, and waits to be killed (C7: the name it leaves behind).
int serve(peer& p) {
  auto server = strait::listen(p.io, p.url);
  peer reporter(p.args.at(0), {});
  auto report = reporter.connect();
  report.set_receive_timeout(wait_to_be_killed);
  report.send(strait::buffer(server.endpoint()));
  std::error_code ec;
  report.receive(ec);
  std::fprintf(stderr, "peer serve: the report channel ended (%s) before the kill\n",
               errc_text(ec).c_str());
  return not_killed;
}

// oversize MAX: connects with a maximum message size of MAX, checks that a
// message of MAX + 1 fails with message_too_large, synchronously and
// asynchronously, then sends one of MAX bytes and waits for close (C9).
int oversize(peer& p) {
  const std::size_t max = p.size_arg(0);
  strait::connect_options options;
  options.max_message_size = max;
  auto ch = p.connect(options);
  if (ch.capabilities().max_message_size != max)
    throw failure("capabilities().max_message_size is " +
                  std::to_string(ch.capabilities().max_message_size));
  const auto too_large = payload(peer_seed, 99, max + 1);
  std::error_code ec;
  ch.send(asio::buffer(too_large), ec);
  if (ec != strait::errc::message_too_large)
    throw failure("send of MAX + 1 bytes: " + errc_text(ec));
  std::error_code async_ec;
  ch.async_send(asio::buffer(too_large), [&](std::error_code e, std::size_t) { async_ec = e; });
  p.io.run_for(io_timeout);
  if (async_ec != strait::errc::message_too_large)
    throw failure("async_send of MAX + 1 bytes: " + errc_text(async_ec));
  ch.send(asio::buffer(payload(peer_seed, 0, max)));
  return peer::wait_for_close(ch);
}

// identify: sends "PID USER-OF-PEER PID-OF-PEER" — its own pid, then who
// channel::peer() says the test is — and waits for close.
int identify(peer& p) {
  auto ch = p.connect();
  const auto who = ch.peer();
  const std::string report = std::to_string(strait::test::current_process_id()) + " " +
                             (who.user.empty() ? "?" : who.user) + " " +
                             (who.pid ? std::to_string(*who.pid) : "?");
  ch.send(strait::buffer(report));
  return peer::wait_for_close(ch);
}

const std::map<std::string, std::function<int(peer&)>> roles{
    {"echo", echo},
    {"send-sizes", send_sizes},
    {"receive-sizes", receive_sizes},
    {"stream", stream},
    {"send-then-close", send_then_close},
    {"hang-mid-message", hang_mid_message},
    {"half-message", half_message},
    {"idle", idle},
    {"try-listen", try_listen},
    {"serve", serve},
    {"oversize", oversize},
    {"identify", identify},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || !roles.contains(argv[1])) {
    std::fprintf(stderr, "usage: strait_conformance_peer ROLE URL [ARGS...]\nroles:");
    for (const auto& [name, run] : roles) std::fprintf(stderr, " %s", name.c_str());
    std::fprintf(stderr, "\n");
    return 2;
  }
  const std::string role = argv[1];
  peer p(argv[2], {argv + 3, argv + argc});
  try {
    return roles.at(role)(p);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "peer %s %s: %s\n", role.c_str(), p.url.c_str(), e.what());
    return 1;
  }
}
