// tour — every transport of this build, end to end, in one command.
//
// For each transport, tour starts an echo server in a child process (itself,
// run with --serve), connects to it, sends messages of several sizes, checks
// every reply byte for byte and times the round trips. It prints one row per
// transport and exits with 0 only when every row is ok. A mailslot and
// copydata:// are one-way, so their replies come back through a mailslot of tour's.
// The last row is strait::spawn: the echo is a child started with it, over
// the channel spawn makes (no URL).
//
//   tour                                          the tour
//   tour --serve URL READY_FILE [REPLY_URL N]     (internal) the child: serve one
//                                                 client (N messages, replies to REPLY_URL)
//   tour --serve-parent                           (internal) the child: echo over
//                                                 strait::parent_channel
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <strait/strait.hpp>

#include "child_process.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using strait::test::unique_name;

namespace {

// The transports tour visits; a scheme this build lacks is skipped.
// The server's URL comes from tour, so that every run uses fresh names.
struct transport {
  std::string_view scheme;
  std::string (*server_url)();
  bool one_way = false;  // replies need a way back of their own
  std::size_t max_message_size = strait::default_max_message_size;
};

const transport transports[] = {
    {"tcp", [] { return std::string("tcp://127.0.0.1:0"); }},  // the server picks a free port
    {"unix", [] { return "unix://" + unique_name("tour"); }},
    {"pipe", [] { return "pipe://" + unique_name("tour"); }},
    {"mailslot", [] { return "mailslot://" + unique_name("tour"); }, true,
     strait::mailslot_size_limit},
    {"shm", [] { return "shm://" + unique_name("tour"); }},
    // One-way too; its replies come back through a mailslot, hence the mailslot's limit.
    {"copydata", [] { return "copydata://" + unique_name("tour"); }, true,
     strait::mailslot_size_limit},
};

constexpr std::size_t message_sizes[] = {0, 64, 4 << 10, 64 << 10, 1 << 20};
constexpr int rounds = 20;  // messages of each size

// Generous bounds: tour reports a failure rather than hanging.
constexpr auto server_start_timeout = 10s;
constexpr auto io_timeout = 10s;
constexpr auto server_exit_timeout = 5s;

// ---- the server (child process) -----------------------------------------

// Writes the URL the server really listens on (tcp://127.0.0.1:0 becomes a
// port number) where tour waits for it; the rename makes it appear whole.
void publish(const fs::path& ready_file, const std::string& url) {
  const fs::path partial = ready_file.string() + ".partial";
  std::ofstream(partial) << url;
  fs::rename(partial, ready_file);
}

int serve(const std::string& url, const fs::path& ready_file) {
  asio::io_context io;
  strait::listener server = strait::listen(io, url);
  server.set_accept_timeout(30s);  // if tour died, do not linger
  publish(ready_file, server.endpoint());

  strait::channel client = server.accept();
  client.set_receive_timeout(30s);
  client.set_send_timeout(30s);
  for (;;) {
    std::error_code ec;
    std::vector<std::byte> message = client.receive(ec);
    if (ec == strait::errc::broken_pipe) return 0;  // tour closed its end: done
    if (ec) throw std::system_error(ec, "receive");
    client.send(asio::buffer(message));
  }
}

// The spawn row's child: echoes over the channel its parent made.
int serve_parent() {
  asio::io_context io;
  strait::channel parent = strait::parent_channel(io);
  parent.set_receive_timeout(30s);  // if tour died, do not linger
  for (;;) {
    std::error_code ec;
    std::vector<std::byte> message = parent.receive(ec);
    if (ec == strait::errc::broken_pipe) return 0;
    if (ec) throw std::system_error(ec, "receive");
    parent.send(asio::buffer(message));
  }
}

// A one-way transport (mailslot, copydata): `count` messages in through the listener's
// one channel, each one back through a writer of `reply_url`.
int serve_one_way(const std::string& url, const fs::path& ready_file, const std::string& reply_url,
                  int count) {
  asio::io_context io;
  strait::listener server = strait::listen(io, url);
  publish(ready_file, server.endpoint());
  strait::channel in = server.accept();
  in.set_receive_timeout(30s);  // if tour died, do not linger
  strait::channel out = strait::connect(io, reply_url);
  for (int i = 0; i < count; ++i) out.send(asio::buffer(in.receive()));
  return 0;
}

// ---- the client (this process) ------------------------------------------

struct result {
  std::string scheme;
  std::string url;
  int messages = 0;
  std::uint64_t bytes = 0;
  std::vector<std::chrono::nanoseconds> round_trips;
  std::string error;  // empty: ok
};

// A scheme this build lacks fails with not_supported, before any system call.
bool available(asio::io_context& io, const std::string& url) {
  std::error_code ec;
  strait::connect(io, url, ec);
  return ec != strait::errc::not_supported;
}

// A payload that differs per message, so a reply from the wrong message shows.
std::vector<std::byte> make_message(std::size_t size, int seq) {
  std::vector<std::byte> message(size);
  for (std::size_t i = 0; i < size; ++i) message[i] = std::byte((i * 7 + seq * 131) & 0xff);
  return message;
}

std::string wait_until_serving(strait::test::child_process& server, const fs::path& ready_file) {
  const auto give_up = std::chrono::steady_clock::now() + server_start_timeout;
  for (;;) {
    // The file appears whole (publish renames it into place), but on Windows
    // the rename can still hold it open for a moment, and an open then fails:
    // so the URL is read until it is there, not only the file.
    std::string url;
    if (std::ifstream in(ready_file); in >> url) return url;
    if (auto code = server.wait(10ms))
      throw std::runtime_error(fmt::format("the server exited with {} before serving", *code));
    if (std::chrono::steady_clock::now() > give_up)
      throw std::runtime_error("the server did not start serving in time");
  }
}

// The message sizes tour sends over `t`: every one it can carry.
std::vector<std::size_t> sizes_for(const transport& t) {
  std::vector<std::size_t> sizes;
  for (const std::size_t size : message_sizes)
    if (size <= t.max_message_size) sizes.push_back(size);
  return sizes;
}

// Sends over `server`; the replies come from `replies` (the same channel, or
// a mailslot of tour's for a one-way transport).
template <class Replies>
void exchange(strait::channel& server, Replies& replies, const std::vector<std::size_t>& sizes,
              result& r) {
  int seq = 0;
  for (int round = 0; round < rounds; ++round) {
    for (const std::size_t size : sizes) {
      const auto message = make_message(size, ++seq);
      const auto start = std::chrono::steady_clock::now();
      server.send(asio::buffer(message));
      const auto reply = replies.receive();
      r.round_trips.push_back(std::chrono::steady_clock::now() - start);
      if (reply != message)
        throw std::runtime_error(
            fmt::format("reply {} ({} bytes) differs from the message sent", seq, size));
      ++r.messages;
      r.bytes += size;
    }
  }
}

result visit(asio::io_context& io, const transport& t, const std::string& url) {
  result r;
  r.scheme = t.scheme;
  r.url = url;
  const fs::path ready_file = fs::temp_directory_path() / (unique_name("tour") + ".url");
  std::vector<std::string> args{"--serve", url, ready_file.string()};
  const auto sizes = sizes_for(t);
  strait::mailslot replies;
  if (t.one_way) {
    replies = strait::mailslot::create(io, unique_name("tour-replies"));
    replies.set_read_timeout(io_timeout);
    args.push_back(replies.endpoint());
    args.push_back(std::to_string(rounds * sizes.size()));
  }
  strait::test::child_process server(strait::test::self_executable_path(), args);
  try {
    r.url = wait_until_serving(server, ready_file);
    strait::channel channel = strait::connect(io, r.url, {.timeout = 5s});
    channel.set_send_timeout(io_timeout);
    channel.set_receive_timeout(io_timeout);
    if (t.one_way)
      exchange(channel, replies, sizes, r);
    else
      exchange(channel, channel, sizes, r);
    channel.close();  // the server sees broken_pipe (or has its count) and exits 0
    const auto code = server.wait(server_exit_timeout);
    if (!code) throw std::runtime_error("the server did not exit");
    if (*code != 0) throw std::runtime_error(fmt::format("the server exited with {}", *code));
  } catch (const std::exception& e) {
    r.error = e.what();
    server.kill();
  }
  std::error_code ignored;
  fs::remove(ready_file, ignored);
  fs::remove(ready_file.string() + ".partial", ignored);  // a server killed mid-publish
  return r;
}

// strait::spawn: a child of tour's, the channel to it made by spawn.
result visit_spawned(asio::io_context& io) {
  result r;
  r.scheme = "spawn";
  r.url = "(child process)";
  try {
    strait::child child =
        strait::spawn(io, strait::test::self_executable_path().string(), {"--serve-parent"});
    try {
      strait::channel& channel = child.channel();
      channel.set_send_timeout(io_timeout);
      channel.set_receive_timeout(io_timeout);
      std::vector<std::size_t> sizes(std::begin(message_sizes), std::end(message_sizes));
      exchange(channel, channel, sizes, r);
      channel.close();  // the child sees broken_pipe and exits 0
      const auto code = child.wait_for(server_exit_timeout);
      if (!code) throw std::runtime_error("the child did not exit");
      if (*code != 0) throw std::runtime_error(fmt::format("the child exited with {}", *code));
    } catch (...) {
      child.terminate();
      child.wait();
      throw;
    }
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

std::string p50_microseconds(std::vector<std::chrono::nanoseconds> samples) {
  if (samples.empty()) return "-";
  auto middle = samples.begin() + std::ssize(samples) / 2;
  std::nth_element(samples.begin(), middle, samples.end());
  return fmt::format("{:.1f}", std::chrono::duration<double, std::micro>(*middle).count());
}

void print_table(const std::vector<result>& results) {
  std::size_t url_width = 3;
  for (const auto& r : results) url_width = std::max(url_width, r.url.size());
  constexpr auto row = "{:<9}  {:<{}}  {:>8}  {:>10}  {:>8}  {}\n";
  fmt::print(row, "transport", "URL", url_width, "messages", "bytes", "p50 (µs)", "ok");
  for (const auto& r : results)
    fmt::print(row, r.scheme, r.url, url_width, r.messages, r.bytes,
               p50_microseconds(r.round_trips),
               r.error.empty() ? "ok" : "FAILED");
  for (const auto& r : results)
    if (!r.error.empty()) fmt::print("\n{}: {}\n", r.scheme, r.error);
}

int tour() {
  asio::io_context io;
  std::vector<result> results;
  std::vector<std::string_view> skipped;
  for (const auto& t : transports) {
    const std::string url = t.server_url();
    if (!available(io, url)) {
      skipped.push_back(t.scheme);
      continue;
    }
    results.push_back(visit(io, t, url));
  }
  results.push_back(visit_spawned(io));
  print_table(results);
  fmt::print("\n{} sizes x {} rounds per transport (mailslot, copydata: sizes up to {} bytes, "
             "replies through a mailslot);\nbytes = payload sent, each echoed back and compared.\n",
             std::size(message_sizes), rounds, strait::mailslot_size_limit);
  if (!skipped.empty()) fmt::print("Not in this build: {}.\n", fmt::join(skipped, ", "));
  const bool all_ok = std::all_of(results.begin(), results.end(),
                                  [](const result& r) { return r.error.empty(); });
  return all_ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc == 4 && argv[1] == std::string_view("--serve")) return serve(argv[2], argv[3]);
    if (argc == 6 && argv[1] == std::string_view("--serve"))
      return serve_one_way(argv[2], argv[3], argv[4], std::stoi(argv[5]));
    if (argc == 2 && argv[1] == std::string_view("--serve-parent")) return serve_parent();
    if (argc == 1) return tour();
    fmt::print(stderr, "usage: tour\n");
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "tour{}: {}\n", argc > 1 ? " --serve" : "", e.what());
    return 1;
  }
}
