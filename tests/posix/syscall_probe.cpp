// syscall_probe ROLE URL COUNT: the traced end of the system-call count tests
// (syscall_count_test.cpp runs it under strace). Each measured call is
// bracketed by two marker calls, access("/strait-probe-mark/begin I") and
// ".../end I", that the test finds in the trace; what the probe's thread
// calls between them is what the measured call cost.
//
//   receive  COUNT times: tell the peer "go", then receive its 64-byte
//            answer, which the peer sends 10 ms after the go.
//   send     COUNT times: tell the peer which message comes next on a
//            control channel, then send it, 4 KiB, on the data channel. The
//            peer reads the data channel only once the control channel has
//            been quiet for 10 ms: once this end is stuck in a send.
//   async-receive  COUNT times: tell the peer "go" on a control channel and
//            wait for its "sent", which it says once its 64-byte answer is
//            on the data channel; then receive that answer with
//            async_receive, running the io_context until it completes.
//
// Stream URLs carry both channels as two connections to the peer's listener
// (control first). For mailslot://NAME the probe reads NAME (receive), or
// writes it (send), and tells the peer through mailslot://NAME-go.
// Every channel has 30 s timeouts, as strait-bench sets them. Exit code 0,
// or 1 with a message on a failure.
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include <strait/mailslot.hpp>
#include <strait/strait.hpp>

namespace {

using namespace std::chrono_literals;

constexpr auto timeout = 30s;
constexpr std::size_t answer_size = 64;
constexpr std::size_t data_size = 4096;

// No heap: the end mark is made inside the measured window, where an
// allocation may map memory (ASan's allocator did: an mmap counted as part of
// a send).
void mark(const char* what, int index) {
  std::array<char, 64> path{};
  std::snprintf(path.data(), path.size(), "/strait-probe-mark/%s %d", what, index);
  [[maybe_unused]] const int ignored = ::access(path.data(), F_OK);
}

strait::channel connect(asio::io_context& io, const std::string& url) {
  strait::connect_options options;
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
  auto ch = strait::connect(io, url, options);
  ch.set_send_timeout(timeout);
  ch.set_receive_timeout(timeout);
  return ch;
}

bool is_mailslot(const std::string& url) { return url.starts_with("mailslot://"); }

void receive_role(const std::string& url, int count) {
  asio::io_context io;
  std::vector<std::byte> answer(answer_size);
  // Index 0 is the warm-up: the first timed call sets the socket's timeout.
  if (is_mailslot(url)) {
    strait::mailslot_options options;
    options.read_timeout = timeout;
    auto box = strait::mailslot::create(io, url.substr(11), options);
    auto go = connect(io, url + "-go");
    for (int i = 0; i <= count; ++i) {
      go.send(strait::buffer("go"));
      mark("begin", i);
      const auto n = box.receive(asio::buffer(answer));
      mark("end", i);
      if (n != answer_size) throw std::runtime_error("a short answer");
    }
    return;
  }
  auto ch = connect(io, url);
  for (int i = 0; i <= count; ++i) {
    ch.send(strait::buffer("go"));
    mark("begin", i);
    const auto n = ch.receive(asio::buffer(answer));
    mark("end", i);
    if (n != answer_size) throw std::runtime_error("a short answer");
  }
}

void send_role(const std::string& url, int count) {
  asio::io_context io;
  const std::vector<std::byte> data(data_size, std::byte{0x5a});
  const bool mailslot = is_mailslot(url);
  auto control = connect(io, mailslot ? url + "-go" : url);
  auto channel = connect(io, url);
  for (int i = 0; i <= count; ++i) {
    const auto index = std::to_string(i);
    control.send(asio::buffer(index));
    mark("begin", i);
    channel.send(asio::buffer(data));
    mark("end", i);
  }
  control.send(strait::buffer("done"));
}

// The io_context's own calls are measured with the receive's: with the
// answer already there, a receive that reads first needs no epoll_ctl.
template <class Receiver>
void receive_async(asio::io_context& io, Receiver& receiver, std::vector<std::byte>& answer,
                   int index) {
  std::error_code result;
  std::size_t n = 0;
  mark("begin", index);
  receiver.async_receive(asio::buffer(answer), [&](std::error_code ec, std::size_t size) {
    result = ec;
    n = size;
  });
  io.run();
  mark("end", index);
  io.restart();
  if (result || n != answer_size) throw std::runtime_error("async_receive: " + result.message());
}

void async_receive_role(const std::string& url, int count) {
  asio::io_context io;
  std::vector<std::byte> answer(answer_size);
  if (is_mailslot(url)) {
    auto box = strait::mailslot::create(io, url.substr(11));
    auto go = connect(io, url + "-go");
    auto sent = strait::mailslot::create(io, url.substr(11) + "-sent");
    sent.set_read_timeout(timeout);
    for (int i = 0; i <= count; ++i) {
      go.send(strait::buffer("go"));
      sent.receive();
      receive_async(io, box, answer, i);
    }
    return;
  }
  auto control = connect(io, url);
  auto data = connect(io, url);
  for (int i = 0; i <= count; ++i) {
    control.send(strait::buffer("go"));
    control.receive();
    receive_async(io, data, answer, i);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: syscall_probe receive|send|async-receive URL COUNT\n");
    return 2;
  }
  try {
    const std::string role = argv[1];
    const int count = std::atoi(argv[3]);
    if (role == "receive") {
      receive_role(argv[2], count);
    } else if (role == "send") {
      send_role(argv[2], count);
    } else if (role == "async-receive") {
      async_receive_role(argv[2], count);
    } else {
      std::fprintf(stderr, "syscall_probe: unknown role '%s'\n", argv[1]);
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "syscall_probe: %s\n", e.what());
    return 1;
  }
  return 0;
}
