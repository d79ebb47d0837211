// The clients sweep's child processes (clients.hpp): a client makes timed
// 64 B round trips in the common window and writes its samples to a file; a
// server echoes for N clients and writes what it echoed and its CPU time.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include <strait/strait.hpp>

#include "clients.hpp"
#include "mechanism.hpp"
#include "strait_link.hpp"

namespace strait::bench {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

// ---- the client process -----------------------------------------------------

// A strait client without the bench protocol's hello: the server is a plain
// echo server.
class strait_client final : public link {
 public:
  strait_client(const std::string& url, const std::optional<shm_waiting>& w) {
    strait::connect_options options;
    options.timeout = 1s;
    if (w) {
      options.shm_wait = w->wait;
      options.shm_spin_time = w->spin_time;
    }
    std::error_code last;
    retry_until_ready(
        [&] {
          channel_ = strait::connect(io_, url, options, last);
          return !last;
        },
        "connect " + url);
    channel_.set_send_timeout(link_timeout);
    channel_.set_receive_timeout(link_timeout);
  }

  void send(const std::byte* data, std::size_t size) override {
    std::error_code ec;
    channel_.send(asio::buffer(data, size), ec);
    if (ec) throw bench_error("send: " + ec.message());
  }
  void receive(std::byte* data, std::size_t size) override {
    std::error_code ec;
    const auto got = channel_.receive(asio::buffer(data, size), ec);
    if (ec) throw bench_error("receive: " + ec.message());
    if (got != size) throw bench_error(fmt::format("{} B echoed, {} B sent", got, size));
  }

 private:
  asio::io_context io_;
  strait::channel channel_;
};



std::optional<shm_waiting> parse_shm(const std::vector<std::string>& args, std::size_t from) {
  std::optional<shm_waiting> shm;
  for (std::size_t i = from; i + 1 < args.size(); i += 2) {
    shm_waiting w = shm.value_or(shm_waiting{});
    if (!parse_shm_argument(args[i], args[i + 1], w))
      throw std::invalid_argument("bad option " + args[i]);
    shm = w;
  }
  return shm;
}

// --clients-client MECHANISM ADDRESS START_NS SECONDS FILE [shm options]
int run_client(const std::vector<std::string>& args) {
  if (args.size() < 6) throw std::invalid_argument("bad --clients-client");
  const auto shm = parse_shm(args, 6);
  std::unique_ptr<link> l;
  if (args[1] == "strait") {
    l = std::make_unique<strait_client>(args[2], shm);
  } else {
    const auto* m = find_mechanism(args[1]);
    if (!m) throw std::invalid_argument("no mechanism named " + args[1]);
    l = m->connect(args[2]);
  }
  std::array<std::byte, clients_message_size> out{}, in{};
  std::uint64_t sequence = 0;
  auto round_trip = [&] {  // every echo is checked: a lost or mixed-up message fails the row
    ++sequence;
    std::memcpy(out.data(), &sequence, sizeof sequence);
    l->send(out.data(), out.size());
    l->receive(in.data(), in.size());
    if (in != out) throw bench_error("the echo differs from the message sent");
  };
  for (int i = 0; i < 50; ++i) round_trip();  // warm-up, before the common start

  const std::chrono::system_clock::time_point start{
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          nanoseconds(std::stoll(args[3])))};
  const auto window = std::chrono::duration_cast<nanoseconds>(
      std::chrono::duration<double>(std::stod(args[4])));
  client_header header;
  header.late = std::chrono::system_clock::now() > start + 20ms ? 1 : 0;
  std::this_thread::sleep_until(start);
  // The common end time, on the steady clock from here.
  const auto end = std::chrono::steady_clock::now() + (start + window - std::chrono::system_clock::now());
  std::vector<std::int64_t> samples;
  samples.reserve(1 << 16);
  const auto first = std::chrono::steady_clock::now();
  auto last = first;
  while (last < end) {
    const auto t0 = std::chrono::steady_clock::now();
    round_trip();
    last = std::chrono::steady_clock::now();
    samples.push_back(std::chrono::duration_cast<nanoseconds>(last - t0).count());
  }
  header.window_ns = static_cast<std::uint64_t>(std::chrono::duration_cast<nanoseconds>(last - first).count());
  header.count = samples.size();
  l.reset();  // closes: the server counts this client done

  std::ofstream f(args[5], std::ios::binary);
  f.write(reinterpret_cast<const char*>(&header), sizeof header);
  f.write(reinterpret_cast<const char*>(samples.data()),
          static_cast<std::streamsize>(samples.size() * sizeof(std::int64_t)));
  if (!f) throw bench_error("cannot write " + args[5]);
  return 0;
}

// ---- the server process -----------------------------------------------------

bool is_clean_end(const std::error_code& ec) { return ec == strait::errc::broken_pipe; }

// The server a user writes: one io_context, async_accept, and per client a
// chain of async_receive then async_send.
class async_echo_server {
 public:
  async_echo_server(const std::string& url, const listen_options& options, std::size_t clients)
      : listener_(strait::listen(io_, url, options)), wanted_(clients) {}

  std::uint64_t run() {
    accept_next();
    io_.run();
    if (!error_.empty()) throw bench_error(error_);
    return echoes_;
  }

 private:
  struct session {
    strait::channel channel;
    std::array<std::byte, clients_message_size> buffer{};
  };

  void accept_next() {
    listener_.async_accept([this](std::error_code ec, strait::channel ch) {
      if (ec) return fail("accept: " + ec.message());
      receive(std::make_shared<session>(session{std::move(ch), {}}));
      if (++accepted_ < wanted_) accept_next();
    });
  }

  void receive(std::shared_ptr<session> s) {
    auto& buffer = s->buffer;
    s->channel.async_receive(asio::buffer(buffer), [this, s](std::error_code ec, std::size_t n) {
      if (ec) return end(ec);
      s->channel.async_send(asio::buffer(s->buffer.data(), n),
                            [this, s](std::error_code send_ec, std::size_t) {
                              if (send_ec) return end(send_ec);
                              ++echoes_;
                              receive(s);
                            });
    });
  }

  void end(const std::error_code& ec) {
    if (!is_clean_end(ec)) return fail("echo: " + ec.message());
    if (++closed_ == wanted_) io_.stop();  // the listener may keep work queued
  }

  void fail(std::string what) {
    error_ = std::move(what);
    io_.stop();
  }

  asio::io_context io_;
  strait::listener listener_;
  std::size_t wanted_, accepted_ = 0, closed_ = 0;
  std::uint64_t echoes_ = 0;
  std::string error_;
};

// The other natural server: a thread per client, blocking calls.
std::uint64_t serve_threads(const std::string& url, const listen_options& options,
                            std::size_t clients) {
  asio::io_context io;
  auto listener = strait::listen(io, url, options);
  listener.set_accept_timeout(link_timeout);
  std::atomic<std::uint64_t> echoes{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < clients; ++i) {
    threads.emplace_back([&echoes, &failed, ch = listener.accept()]() mutable {
      ch.set_send_timeout(link_timeout);
      ch.set_receive_timeout(link_timeout);
      std::array<std::byte, clients_message_size> buffer{};
      std::uint64_t mine = 0;
      for (;;) {
        std::error_code ec;
        const auto n = ch.receive(asio::buffer(buffer), ec);
        if (!ec) ch.send(asio::buffer(buffer.data(), n), ec);
        if (ec) {
          if (!is_clean_end(ec)) failed = true;
          break;
        }
        ++mine;
      }
      echoes += mine;
    });
  }
  for (auto& t : threads) t.join();
  if (failed) throw bench_error("a server thread's echo failed");
  return echoes;
}

// --clients-server SERVER ADDRESS CLIENTS FILE [shm options]
int run_server(const std::vector<std::string>& args) {
  if (args.size() < 5) throw std::invalid_argument("bad --clients-server");
  const auto clients = static_cast<std::size_t>(std::stoul(args[3]));
  const auto shm = parse_shm(args, 5);
  listen_options options;
  if (shm) {
    options.shm_wait = shm->wait;
    options.shm_spin_time = shm->spin_time;
  }
  std::uint64_t echoes = 0;
  if (args[1] == clients_async_server)
    echoes = async_echo_server(args[2], options, clients).run();
  else if (args[1] == clients_threads_server)
    echoes = serve_threads(args[2], options, clients);
  else
    echoes = serve_raw_echo(args[1], args[2], clients);
  std::ofstream f(args[4]);
  f << echoes << ' ' << fmt::format("{:.9f}", process_cpu_seconds()) << '\n';
  if (!f) throw bench_error("cannot write " + args[4]);
  return 0;
}

}  // namespace

bool is_clients_role(const std::string& role) {
  return role == "--clients-server" || role == "--clients-client";
}

int run_clients_role(const std::vector<std::string>& args) {
  return args[0] == "--clients-server" ? run_server(args) : run_client(args);
}

}  // namespace strait::bench
