#include "harness.hpp"

#include <cstdlib>
#include <stdexcept>

#include <asio/ip/tcp.hpp>

#include "traffic.hpp"

namespace strait::conformance {

const std::string& transport() {
  static const std::string scheme = [] {
    const char* env = std::getenv("STRAIT_TRANSPORT");
    return std::string(env && *env ? env : "tcp");
  }();
  return scheme;
}

std::string fresh_listen_url() {
  if (transport() == "tcp") return "tcp://127.0.0.1:0";
  return transport() + "://" + test::unique_name("conformance");
}

std::string unserved_url() {
  if (transport() != "tcp") return fresh_listen_url();
  // A port the OS just handed out and nobody took since: connecting is refused.
  asio::io_context io;
  asio::ip::tcp::acceptor probe(io, {asio::ip::address_v4::loopback(), 0});
  const auto port = probe.local_endpoint().port();
  probe.close();
  return "tcp://127.0.0.1:" + std::to_string(port);
}

test::child_process start_peer(std::string_view role, const std::string& url,
                               const std::vector<std::string>& args) {
  std::vector<std::string> all{url};
  all.insert(all.end(), args.begin(), args.end());
  return test::start_beside("strait_conformance_peer", role, all);
}

int exit_code(test::child_process& peer) { return test::exit_code_within(peer, exit_timeout); }

void bound_blocking_calls(strait::channel& ch) {
  ch.set_send_timeout(io_timeout);
  ch.set_receive_timeout(io_timeout);
}

strait::channel accept_from(strait::listener& l, test::child_process& peer) {
  l.set_accept_timeout(io_timeout);
  std::error_code ec;
  auto ch = l.accept(ec);
  if (ec) {
    const auto code = peer.wait(std::chrono::milliseconds(0));
    throw std::runtime_error("accept on " + l.endpoint() + " failed: " + ec.message() +
                             (code ? "; the peer exited with " + std::to_string(*code)
                                   : "; the peer is still running"));
  }
  bound_blocking_calls(ch);
  return ch;
}

peer_session::peer_session(std::string_view role, const std::vector<std::string>& args,
                           strait::listen_options options)
    : listener(strait::listen(io, fresh_listen_url(), options)),
      peer(start_peer(role, listener.endpoint(), args)),
      channel(accept_from(listener, peer)) {}

int peer_session::close_and_wait() {
  channel.close();
  return exit_code(peer);
}

std::string exchange_stream(strait::channel& ch, std::size_t count, std::uint64_t& seed) {
  std::error_code ec;
  const auto hello = ch.receive(ec);
  if (ec) return "receiving the hello: " + ec.message();
  try {
    seed = std::stoull(std::string(reinterpret_cast<const char*>(hello.data()), hello.size()));
  } catch (const std::exception&) {
    return "the hello is not a seed";
  }
  for (std::size_t k = 0; k < count; ++k) {
    const auto got = ch.receive(ec);
    if (ec) return "receiving message " + std::to_string(k) + ": " + ec.message();
    if (auto problem = mismatch(stream_message(seed, k), got); !problem.empty())
      return "message " + std::to_string(k) + " of stream " + std::to_string(seed) + ": " +
             problem;
  }
  const auto reply = reply_seed(seed);
  for (std::size_t k = 0; k < count; ++k) {
    ch.send(asio::buffer(stream_message(reply, k)), ec);
    if (ec) return "sending reply " + std::to_string(k) + ": " + ec.message();
  }
  return {};
}

bool run_until(asio::io_context& io, const bool& done) {
  io.restart();
  while (!done && io.run_one_for(io_timeout) > 0) {
  }
  return done;
}

io_thread::io_thread(asio::io_context& io)
    : io_(io), work_(asio::make_work_guard(io)), thread_([&io] { io.run(); }) {}

io_thread::~io_thread() {
  work_.reset();
  io_.stop();
  thread_.join();
}

std::vector<std::string> to_args(std::span<const std::size_t> numbers) {
  std::vector<std::string> args;
  for (const auto n : numbers) args.push_back(std::to_string(n));
  return args;
}

}  // namespace strait::conformance
