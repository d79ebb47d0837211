// strait_copydata_peer — the other process of a copydata:// test: writers,
// readers that hold or vanish, second readers.
//
//   strait_copydata_peer ROLE ARGS...
//
// Exit code 0: the role did all it should and found nothing wrong; 90: it
// found something wrong (said on stderr); try-* roles exit with the
// strait::errc they got (0: it worked). Every wait is bounded.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <strait/strait.hpp>

#include "traffic.hpp"

namespace {

using namespace std::chrono_literals;
namespace ct = strait::copydata_test;

constexpr auto io_timeout = 30s;  // longer than the test's own, so the test reports first
constexpr int found_wrong = 90;

using args_t = std::vector<std::string>;

struct failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The strait::errc `ec` stands for, as an exit code (its value also holds the native error).
int errc_of(const std::error_code& ec) {
  if (!ec) return 0;
  for (int e = 1; e <= static_cast<int>(strait::errc::io_error); ++e)
    if (ec == static_cast<strait::errc>(e)) return e;
  return found_wrong;
}

strait::channel writer(asio::io_context& io, const std::string& url, std::uintptr_t data = 0) {
  strait::connect_options o;
  o.copydata_data = data;
  auto ch = strait::connect(io, url, o);
  ch.set_send_timeout(io_timeout);
  return ch;
}

strait::channel reader(asio::io_context& io, const std::string& url) {
  auto l = strait::listen(io, url);
  auto ch = l.accept();
  ch.set_receive_timeout(io_timeout);
  return ch;
}

// Where write_messages is, said on stderr while one step takes 4 s and
// more: a test whose receive times out then shows which message stalled,
// and where (docs/wine.md, "A send that stalls").
class write_progress {
 public:
  enum step : int { connecting, sending, starting_async_send, awaiting_completion };

  write_progress() {
    std::thread([this] {
      static const char* const names[] = {"connecting", "sending",
                                          "in async_send (starting its thread)",
                                          "waiting for async_send's completion"};
      std::size_t last = ~std::size_t{0};
      int seconds = 0;
      while (!done_) {
        std::this_thread::sleep_for(1s);
        const std::size_t now = index_ * 4 + static_cast<std::size_t>(step_.load());
        seconds = now == last ? seconds + 1 : 0;
        last = now;
        if (seconds >= 4)
          std::fprintf(stderr, "strait_copydata_peer write: message %zu still %s after %d s\n",
                       now / 4, names[now % 4], seconds);
      }
    }).detach();
  }
  void at(std::size_t index, step s) {
    step_ = s;
    index_ = index;
  }
  void finished() { done_ = true; }

 private:
  std::atomic<std::size_t> index_{0};
  std::atomic<int> step_{connecting};
  std::atomic<bool> done_{false};
};

// write URL COUNT: messages 0..COUNT-1, each on a writer with its own
// dwData; odd ones with async_send. Every send is confirmed (result 1).
int write_messages(asio::io_context& io, const args_t& a) {
  const auto count = std::stoull(a.at(1));
  static write_progress progress;  // static: its thread may outlive the call
  for (std::size_t i = 0; i < count; ++i) {
    progress.at(i, write_progress::connecting);
    auto ch = writer(io, a.at(0), ct::data_of(i));
    const auto m = ct::message(i);
    if (i % 2 == 0) {
      progress.at(i, write_progress::sending);
      ch.send(asio::buffer(m));
    } else {
      // A callback: its work keeps io.run() going until the send completes.
      std::error_code ec;
      std::size_t sent = 0;
      progress.at(i, write_progress::starting_async_send);
      ch.async_send(asio::buffer(m), [&](std::error_code e, std::size_t n) {
        ec = e;
        sent = n;
      });
      progress.at(i, write_progress::awaiting_completion);
      io.restart();
      io.run();
      if (ec) throw std::system_error(ec, "async_send");
      if (sent != m.size()) throw failure("async_send reported a short count");
    }
    if (strait::copydata_last_result(ch) != 1) throw failure("the reader did not answer 1");
  }
  progress.finished();
  return 0;
}

// try-send URL SIZE: the errc of one send of SIZE bytes; then, when it
// failed with message_too_large, the channel must still send (C9).
int try_send(asio::io_context& io, const args_t& a) {
  auto ch = writer(io, a.at(0));
  std::error_code ec;
  ch.send(asio::buffer(ct::message(0, std::stoull(a.at(1)))), ec);
  if (ec == strait::errc::message_too_large) {
    std::error_code again;
    ch.send(asio::buffer(ct::message(1, 10)), again);
    if (again) throw std::system_error(again, "send after message_too_large");
  }
  return errc_of(ec);
}

// second-send URL: message 0 with async_send and, while it is in flight, message 1:
// the errc of the second (one send at a time: invalid_argument); the first
// must complete in full.
int second_send(asio::io_context& io, const args_t& a) {
  auto ch = writer(io, a.at(0));
  const auto first = ct::message(0), second = ct::message(1);
  std::error_code first_ec, second_ec;
  std::size_t first_sent = 0;
  ch.async_send(asio::buffer(first), [&](std::error_code e, std::size_t n) {
    first_ec = e;
    first_sent = n;
  });
  ch.async_send(asio::buffer(second), [&](std::error_code e, std::size_t) { second_ec = e; });
  io.run();
  if (first_ec) throw std::system_error(first_ec, "the first async_send");
  if (first_sent != first.size()) throw failure("the first async_send reported a short count");
  return errc_of(second_ec);
}

// try-receive URL: the errc of a writer's receive (M1: access_denied).
int try_receive(asio::io_context& io, const args_t& a) {
  auto ch = writer(io, a.at(0));
  if (ch.capabilities().can_receive) throw failure("a writer says it can receive");
  std::error_code ec;
  ch.receive(ec);
  return errc_of(ec);
}

// try-listen URL: the errc of listening on URL (C7: already_exists).
int try_listen(asio::io_context& io, const args_t& a) {
  std::error_code ec;
  auto l = strait::listen(io, a.at(0), ec);
  return errc_of(ec);
}

// listen URL: serves URL until killed (C7: a crashed reader's name).
int listen_forever(asio::io_context& io, const args_t& a) {
  auto ch = reader(io, a.at(0));
  std::this_thread::sleep_for(120s);
  return found_wrong;  // not killed
}

// read-one URL: receives one message (message 0), then exits: the reader vanishes.
int read_one(asio::io_context& io, const args_t& a) {
  auto ch = reader(io, a.at(0));
  if (ch.receive() != ct::message(0)) throw failure("message 0 is not as sent");
  return 0;
}

// hold URL CONTROL: reads nothing from URL until a message comes on
// CONTROL, then drains URL: exactly copydata_queue_limit messages must be
// there (the timed-out one was not delivered, C8).
int hold(asio::io_context& io, const args_t& a) {
  auto held = reader(io, a.at(0));
  auto control = reader(io, a.at(1));
  control.receive();
  held.set_receive_timeout(1s);
  std::size_t count = 0;
  for (;;) {
    std::error_code ec;
    auto m = held.receive(ec);
    if (ec == strait::errc::timed_out) break;
    if (ec) throw std::system_error(ec, "drain");
    if (m != ct::message(count)) throw failure("a held message is not as sent");
    ++count;
  }
  if (count != strait::copydata_queue_limit) {
    std::fprintf(stderr, "held %zu messages, expected %zu\n", count, strait::copydata_queue_limit);
    return found_wrong;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::map<std::string, std::function<int(asio::io_context&, const args_t&)>> roles{
      {"write", write_messages},         {"try-send", try_send},   {"try-receive", try_receive},
      {"try-listen", try_listen}, {"listen", listen_forever}, {"read-one", read_one},
      {"hold", hold},             {"second-send", second_send},
  };
  if (argc < 2 || !roles.count(argv[1])) {
    std::fprintf(stderr, "usage: strait_copydata_peer ROLE ARGS...\n");
    return 2;
  }
  try {
    asio::io_context io;
    return roles.at(argv[1])(io, args_t(argv + 2, argv + argc));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "strait_copydata_peer %s: %s\n", argv[1], e.what());
    return found_wrong;
  }
}
