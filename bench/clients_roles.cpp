// The clients sweep's child processes (clients.hpp): a client makes timed
// 64 B round trips in the common window and writes its samples to a file; a
// server echoes for N clients and writes what it echoed and its CPU time.
//
// A one-way transport (a channel that cannot both send and receive, M1: a
// mailslot) has one reader for every client, so each client listens for its
// echoes at its own reply URL, NAME-reply<INDEX>. Its first message (sequence
// 0, the hello) tells the server to connect there; its last (sequence ~0, the
// goodbye) that it is done, since a reader cannot see its writers close.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
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

constexpr std::uint64_t one_way_hello = 0;
constexpr std::uint64_t one_way_goodbye = ~std::uint64_t{0};

using message = std::array<std::byte, clients_message_size>;

message tagged(std::uint64_t sequence, std::uint64_t index) {
  message m{};
  std::memcpy(m.data(), &sequence, sizeof sequence);
  std::memcpy(m.data() + client_index_offset, &index, sizeof index);
  return m;
}

std::uint64_t word_at(const message& m, std::size_t offset) {
  std::uint64_t v = 0;
  std::memcpy(&v, m.data() + offset, sizeof v);
  return v;
}

std::string client_reply_url(const std::string& url, std::uint64_t index) {
  return reply_url(url, fmt::format("-reply{}", index));
}

void set_timeouts(strait::channel& ch) {
  ch.set_send_timeout(link_timeout);
  ch.set_receive_timeout(link_timeout);
}

// A strait client without the bench protocol's hello: the server is a plain
// echo server (on a one-way transport, with the hello and goodbye above).
class strait_client final : public link {
 public:
  strait_client(const std::string& url, const std::optional<shm_waiting>& w, std::uint64_t index)
      : index_(index) {
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
    set_timeouts(channel_);
    if (channel_.capabilities().can_receive) return;
    // Listen before the hello: the server connects back as soon as it reads it.
    listener_ = strait::listen(io_, client_reply_url(url, index_));
    listener_.set_accept_timeout(link_timeout);
    const auto hello = tagged(one_way_hello, index_);
    send(hello.data(), hello.size());
    replies_ = listener_.accept();
    set_timeouts(replies_);
    message echo{};
    receive(echo.data(), echo.size());
    if (echo != hello) throw bench_error("the hello's echo differs from the hello");
  }
  ~strait_client() override {
    if (!replies_.is_open()) return;
    const auto goodbye = tagged(one_way_goodbye, index_);
    std::error_code ignored;  // a server already gone needs no goodbye
    channel_.send(asio::buffer(goodbye), ignored);
  }

  void send(const std::byte* data, std::size_t size) override {
    std::error_code ec;
    channel_.send(asio::buffer(data, size), ec);
    if (ec) throw bench_error("send: " + ec.message());
  }
  void receive(std::byte* data, std::size_t size) override {
    std::error_code ec;
    auto& from = replies_.is_open() ? replies_ : channel_;
    const auto got = from.receive(asio::buffer(data, size), ec);
    if (ec) throw bench_error("receive: " + ec.message());
    if (got != size) throw bench_error(fmt::format("{} B echoed, {} B sent", got, size));
  }

 private:
  std::uint64_t index_;
  asio::io_context io_;  // declared before the channels: outlives them
  strait::channel channel_;
  strait::listener listener_;  // one-way: where the server connects back
  strait::channel replies_;
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

// --clients-client MECHANISM ADDRESS START_NS SECONDS FILE INDEX [shm options]
int run_client(const std::vector<std::string>& args) {
  if (args.size() < 7) throw std::invalid_argument("bad --clients-client");
  const auto shm = parse_shm(args, 7);
  const auto index = static_cast<std::uint64_t>(std::stoull(args[6]));
  std::unique_ptr<link> l;
  if (args[1] == "strait") {
    l = std::make_unique<strait_client>(args[2], shm, index);
  } else if (const auto* peer = find_clients_peer(args[1])) {
    l = peer->connect(args[2]);
  } else {
    const auto* m = find_mechanism(args[1]);
    if (!m) throw std::invalid_argument("no mechanism named " + args[1]);
    l = m->connect(args[2]);
  }
  message in{};
  std::uint64_t sequence = 0;
  auto round_trip = [&] {  // every echo is checked: a lost or mixed-up message fails the row
    const auto out = tagged(++sequence, index);
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
  // Descheduled past the common end (a loaded machine): no round trip in the
  // window, as late as a client can be; the table says so rather than
  // showing a silent 0.
  if (samples.empty()) header.late = 1;
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

// One-way: the channel to client `index`'s reply URL, which it listens at
// before its hello.
strait::channel connect_back(asio::io_context& io, const std::string& url, std::uint64_t index) {
  strait::connect_options options;
  options.timeout = link_timeout;
  auto ch = strait::connect(io, client_reply_url(url, index), options);
  set_timeouts(ch);
  return ch;
}

// The server a user writes: one io_context, async_accept, and per client a
// chain of async_receive then async_send (one-way: one chain of receives on
// the reader, each message echoed with async_send to its client's reply URL).
class async_echo_server {
 public:
  async_echo_server(const std::string& url, const listen_options& options, std::size_t clients)
      : url_(url), listener_(strait::listen(io_, url, options)), wanted_(clients) {}

  std::uint64_t run() {
    accept_next();
    io_.run();
    if (!error_.empty()) throw bench_error(error_);
    return echoes_;
  }

 private:
  struct session {
    strait::channel channel;
    message buffer{};
    std::deque<message> unsent{};  // one-way: echoes waiting for the send before them
  };

  void accept_next() {
    listener_.async_accept([this](std::error_code ec, strait::channel ch) {
      if (ec) return fail("accept: " + ec.message());
      if (!ch.capabilities().can_send) {  // M1: the one reader of every client's messages
        reader_ = std::move(ch);
        return receive_one_way();
      }
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

  void receive_one_way() {
    reader_.async_receive(asio::buffer(inbox_), [this](std::error_code ec, std::size_t n) {
      if (ec) return fail("receive: " + ec.message());
      if (n != inbox_.size()) return fail(fmt::format("a message of {} B", n));
      const auto sequence = word_at(inbox_, 0);
      const auto index = word_at(inbox_, client_index_offset);
      if (sequence == one_way_hello) {
        strait::channel back;
        try {
          back = connect_back(io_, url_, index);
        } catch (const std::exception& e) {
          return fail(fmt::format("connect to client {}: {}", index, e.what()));
        }
        replies_[index] = std::make_shared<session>(session{std::move(back), {}});
      }
      const auto it = replies_.find(index);
      if (it == replies_.end()) return fail(fmt::format("client {} sent no hello", index));
      if (sequence == one_way_goodbye) {
        replies_.erase(it);
        if (++closed_ == wanted_) return io_.stop();
        return receive_one_way();
      }
      // One send at a time per channel, as for any strait channel: a client
      // may answer its echo before that send has completed here.
      auto s = it->second;
      s->unsent.push_back(inbox_);
      if (s->unsent.size() == 1) send_next(s);
      receive_one_way();
    });
  }

  // Sent from the queue itself: a deque's push_back moves no element.
  void send_next(std::shared_ptr<session> s) {
    s->channel.async_send(asio::buffer(s->unsent.front()), [this, s](std::error_code ec,
                                                                     std::size_t) {
      if (ec) return fail("echo: " + ec.message());
      if (word_at(s->unsent.front(), 0) != one_way_hello) ++echoes_;
      s->unsent.pop_front();
      if (!s->unsent.empty()) send_next(s);
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

  std::string url_;
  asio::io_context io_;
  strait::listener listener_;
  strait::channel reader_;  // one-way
  message inbox_{};
  std::map<std::uint64_t, std::shared_ptr<session>> replies_;  // one-way, by client index
  std::size_t wanted_, accepted_ = 0, closed_ = 0;
  std::uint64_t echoes_ = 0;
  std::string error_;
};

// A one-way transport's reader served with blocking calls, each message
// echoed to its client's reply URL.
std::uint64_t serve_one_way(asio::io_context& io, strait::channel& reader, const std::string& url,
                            std::size_t clients) {
  std::map<std::uint64_t, strait::channel> replies;
  std::uint64_t echoes = 0;
  std::size_t closed = 0;
  message m{};
  while (closed < clients) {
    if (reader.receive(asio::buffer(m)) != m.size()) throw bench_error("a short message");
    const auto sequence = word_at(m, 0);
    const auto index = word_at(m, client_index_offset);
    if (sequence == one_way_hello) replies[index] = connect_back(io, url, index);
    const auto it = replies.find(index);
    if (it == replies.end()) throw bench_error(fmt::format("client {} sent no hello", index));
    if (sequence == one_way_goodbye) {
      replies.erase(it);
      ++closed;
      continue;
    }
    it->second.send(asio::buffer(m));
    if (sequence != one_way_hello) ++echoes;
  }
  return echoes;
}

// The other natural server: a thread per client, blocking calls (one-way:
// the one reader in this thread).
std::uint64_t serve_threads(const std::string& url, const listen_options& options,
                            std::size_t clients) {
  asio::io_context io;
  auto listener = strait::listen(io, url, options);
  listener.set_accept_timeout(link_timeout);
  std::atomic<std::uint64_t> echoes{0};
  std::atomic<bool> failed{false};
  auto first = listener.accept();
  set_timeouts(first);
  if (!first.capabilities().can_send) return serve_one_way(io, first, url, clients);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < clients; ++i) {
    threads.emplace_back([&echoes, &failed, ch = i == 0 ? std::move(first) : listener.accept()]() mutable {
      set_timeouts(ch);
      message buffer{};
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
  else if (const auto* peer = find_clients_peer(args[1]))
    echoes = peer->serve(args[2], clients);
  else
    echoes = serve_raw_echo(args[1], args[2], clients);
  std::ofstream f(args[4]);
  f << echoes << ' ' << fmt::format("{:.9f}", process_cpu_seconds()) << '\n';
  if (!f) throw bench_error("cannot write " + args[4]);
  return 0;
}

// A function-local static: registrations run during static initialisation of
// other files, in an order nobody controls.
std::vector<clients_peer>& peers() {
  static std::vector<clients_peer> list;
  return list;
}

}  // namespace

bool register_clients_peer(clients_peer peer) {
  peers().push_back(std::move(peer));
  return true;
}

const std::vector<clients_peer>& clients_peers() { return peers(); }

const clients_peer* find_clients_peer(const std::string& label) {
  for (const auto& p : peers())
    if (p.label == label) return &p;
  return nullptr;
}

bool is_clients_role(const std::string& role) {
  return role == "--clients-server" || role == "--clients-client";
}

int run_clients_role(const std::vector<std::string>& args) {
  return args[0] == "--clients-server" ? run_server(args) : run_client(args);
}

}  // namespace strait::bench
