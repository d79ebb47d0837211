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

bool spawned_transport() { return transport() == "spawn"; }

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

namespace {

// Accepts within io_timeout; says what the peer did when nothing comes.
template <class Peer>
strait::channel accept_or_explain(strait::listener& l, Peer& peer) {
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

}  // namespace

strait::channel accept_from(strait::listener& l, test::child_process& peer) {
  return accept_or_explain(l, peer);
}

void session_peer::kill() {
  if (started_) return started_->kill();
  spawned_.terminate();
}

// The test support's kill gives 128 + 9 everywhere; strait::child::terminate
// gives 128 + 9 on POSIX and 1 on Windows (process.hpp), which the build
// says (STRAIT_TEST_TERMINATED_EXIT_CODE).
int session_peer::killed_exit_code() const noexcept {
  return started_ ? test::killed_exit_code : STRAIT_TEST_TERMINATED_EXIT_CODE;
}

std::optional<int> session_peer::wait(std::chrono::milliseconds timeout) {
  if (started_) return started_->wait(timeout);
  return spawned_.wait_for(timeout);
}

std::uint64_t session_peer::pid() const noexcept {
  return started_ ? started_->pid() : spawned_.pid();
}

int exit_code(session_peer& peer) {
  if (const auto code = peer.wait(std::chrono::duration_cast<std::chrono::milliseconds>(
          exit_timeout)))
    return *code;
  peer.kill();
  throw std::runtime_error("the peer did not exit within " +
                           std::to_string(exit_timeout.count()) + " s");
}

namespace {

// The spawn transport's peer: `strait_conformance_peer ROLE spawn ARGS...`,
// its channel made by strait::spawn (the peer takes it with parent_channel).
strait::child spawn_peer(asio::io_context& io, std::string_view role,
                         const std::vector<std::string>& args,
                         const strait::listen_options& options) {
  const auto self = test::self_executable_path();
  std::vector<std::string> all{std::string(role), "spawn"};
  all.insert(all.end(), args.begin(), args.end());
  strait::spawn_options spawn_options;
  spawn_options.max_message_size = options.max_message_size;
  return strait::spawn(
      io, (self.parent_path() / ("strait_conformance_peer" + self.extension().string())).string(),
      all, spawn_options);
}

session_peer start_session_peer(asio::io_context& io, strait::listener& l, std::string_view role,
                                const std::vector<std::string>& args,
                                const strait::listen_options& options) {
  if (spawned_transport()) return session_peer(spawn_peer(io, role, args, options));
  l = strait::listen(io, fresh_listen_url(), options);
  return session_peer(start_peer(role, l.endpoint(), args));
}

strait::channel session_channel(strait::listener& l, session_peer& peer) {
  if (!spawned_transport()) return accept_or_explain(l, peer);
  auto ch = std::move(peer.spawned().channel());
  bound_blocking_calls(ch);
  return ch;
}

}  // namespace

peer_session::peer_session(std::string_view role, const std::vector<std::string>& args,
                           strait::listen_options options)
    : peer(start_session_peer(io, listener, role, args, options)),
      channel(session_channel(listener, peer)) {}

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
