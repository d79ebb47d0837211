// The conformance suite's harness: which transport is under test, fresh
// URLs, and a channel whose other end is a peer process.
//
// The suite is one executable run once per transport: STRAIT_TRANSPORT names
// the scheme (tcp, unix, ...). Each case cites the contract (C1-C9 of the
// design's semantic contract) in its name and tag; a case that does not apply to a
// transport carries the tag [no-SCHEME] and is not registered for it.
#pragma once

#include <chrono>
#include <cstdint>
#include <system_error>
#include <optional>
#include <thread>
#include <utility>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <strait/strait.hpp>

#include "child_process.hpp"

namespace strait::conformance {

using namespace std::chrono_literals;

// Bounds that only mean "did not hang": a healthy run is far below them.
inline constexpr auto io_timeout = 20s;
inline constexpr auto exit_timeout = 20s;

// The scheme under test: $STRAIT_TRANSPORT, tcp when unset. "spawn" is not
// a URL scheme: the channel is strait::spawn's to a child (no listener, no
// name; cases that need one carry [no-spawn]).
const std::string& transport();
bool spawned_transport();

// A URL to listen on that nobody else uses: tcp://127.0.0.1:0 (the listener
// reports the port it got) or SCHEME://<unique name>.
std::string fresh_listen_url();

// A URL nobody serves: a fresh name, or for tcp a loopback port that was
// just free.
std::string unserved_url();

// Starts the peer helper (strait_conformance_peer, beside this executable):
// `strait_conformance_peer ROLE URL ARGS...`.
test::child_process start_peer(std::string_view role, const std::string& url,
                               const std::vector<std::string>& args = {});

// The peer's exit code; throws when it does not exit within exit_timeout.
int exit_code(test::child_process& peer);

// The peer process of a session: started by the test support (beside a
// listener) or, for the spawn transport, by strait::spawn.
class session_peer {
 public:
  explicit session_peer(test::child_process started) : started_(std::move(started)) {}
  explicit session_peer(strait::child spawned) : spawned_(std::move(spawned)) {}

  void kill();  // SIGKILL / TerminateProcess: what a crash looks like
  int killed_exit_code() const noexcept;  // what the exit code is after kill()
  std::optional<int> wait(std::chrono::milliseconds timeout);
  std::uint64_t pid() const noexcept;
  strait::child& spawned() noexcept { return spawned_; }

 private:
  std::optional<test::child_process> started_;
  strait::child spawned_;
};

// The peer's exit code; throws when it does not exit within exit_timeout.
int exit_code(session_peer& peer);

// A peer process running `role` and a channel to it, with io_timeout on its
// blocking calls: accepted from a listener on a fresh URL, or for the spawn
// transport the channel to a spawned child (the listener is not open then).
struct peer_session {
  explicit peer_session(std::string_view role, const std::vector<std::string>& args = {},
                        strait::listen_options options = {});

  // Closes the channel (the peer sees broken_pipe) and returns its exit code.
  int close_and_wait();

  asio::io_context io;
  strait::listener listener;
  session_peer peer;
  strait::channel channel;
};

// Accepts the next client of `l` within io_timeout; says what the peer did
// when nothing comes.
strait::channel accept_from(strait::listener& l, test::child_process& peer);

// The timeouts every channel of the suite gets.
void bound_blocking_calls(strait::channel& ch);

// Receives the peer's hello (its seed) and `count` messages of its stream
// (role `stream`), then sends `count` messages of the reply stream. Returns
// what went wrong, or an empty string. No Catch assertions: callable from
// any thread (C6).
std::string exchange_stream(strait::channel& ch, std::size_t count, std::uint64_t& seed);

// Runs `io` until `done` is set by a handler, or io_timeout passes without
// any handler running. Returns `done`.
bool run_until(asio::io_context& io, const bool& done);

// Runs an io_context on its own thread while it lives (asio::use_future).
class io_thread {
 public:
  explicit io_thread(asio::io_context& io);
  ~io_thread();
  io_thread(const io_thread&) = delete;
  io_thread& operator=(const io_thread&) = delete;

 private:
  asio::io_context& io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

// The code of the std::system_error `f` throws; success when it throws none.
template <class F>
std::error_code thrown_code(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const std::system_error& e) {
    return e.code();
  }
  return {};
}

// Numbers as peer arguments.
std::vector<std::string> to_args(std::span<const std::size_t> numbers);

}  // namespace strait::conformance
