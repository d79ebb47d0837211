// Peer library: NNG pair1 sockets over ipc:// (AF_UNIX underneath), with the
// copying nng_send/nng_recv an application would use; for the clients sweep,
// the server NNG's users write for many clients: a rep0 socket with a context
// and an aio per client, answered from NNG's own threads, and req0 clients.
// Compiled only when libnng-dev was found.
#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <fmt/format.h>

#include "clients.hpp"
#include "mechanism.hpp"

namespace strait::bench {
namespace {

void check(int rv, const char* what) {
  if (rv != 0) throw bench_error(fmt::format("nng {}: {}", what, nng_strerror(rv)));
}

using socket_opener = int (*)(nng_socket*);

class nng_link final : public link {
 public:
  nng_link(const std::string& url, bool server, socket_opener open = nng_pair1_open)
      : request_(open == nng_req0_open) {
    check(open(&socket_), "open");
    const auto timeout = static_cast<nng_duration>(std::chrono::milliseconds(link_timeout).count());
    check(nng_socket_set_ms(socket_, NNG_OPT_RECVTIMEO, timeout), "recv-timeout");
    check(nng_socket_set_ms(socket_, NNG_OPT_SENDTIMEO, timeout), "send-timeout");
    // The default receive limit (1 MiB) would drop a 1 MiB message with its header.
    check(nng_socket_set_size(socket_, NNG_OPT_RECVMAXSZ, 0), "recv-size-max");
    if (server)
      check(nng_listen(socket_, url.c_str(), nullptr, 0), "listen");
    else  // NONBLOCK: keep dialling in the background until the server listens
      check(nng_dial(socket_, url.c_str(), nullptr, NNG_FLAG_NONBLOCK), "dial");
  }
  ~nng_link() override {
    if (request_) {  // the clients sweep's goodbye: an empty request, answered
      std::byte answer{};
      std::size_t size = 1;
      // The answer only says the goodbye arrived; a server that closed first
      // may have dropped it, so waiting long for it would gain nothing.
      nng_socket_set_ms(socket_, NNG_OPT_RECVTIMEO, 1000);
      if (nng_send(socket_, &answer, 0, 0) == 0) nng_recv(socket_, &answer, &size, 0);
    }
    nng_close(socket_);
  }
  nng_link(const nng_link&) = delete;
  nng_link& operator=(const nng_link&) = delete;

  void send(const std::byte* p, std::size_t n) override {
    check(nng_send(socket_, const_cast<std::byte*>(p), n, 0), "send");
  }

  void receive(std::byte* p, std::size_t n) override {
    std::size_t got = n;  // in: room; out: the message's size
    check(nng_recv(socket_, p, &got, 0), "recv");
    if (got != n) throw bench_error(fmt::format("nng: {} B received, {} B expected", got, n));
  }

  nng_socket socket() const { return socket_; }

 private:
  nng_socket socket_ = NNG_SOCKET_INITIALIZER;
  bool request_;
};

// The rep0 server of NNG's asynchronous examples: one context and one aio per
// client, each a loop of receive then send driven by its completion callback.
class rep_server {
 public:
  rep_server(const std::string& url, std::size_t clients)
      : socket_(url, true, nng_rep0_open), workers_(clients) {
    for (auto& w : workers_) {
      w.owner = this;
      check(nng_ctx_open(&w.context, socket_.socket()), "ctx_open");
      check(nng_aio_alloc(&w.aio, on_completion, &w), "aio_alloc");
    }
  }
  ~rep_server() {
    for (auto& w : workers_) nng_aio_stop(w.aio);  // waits for a running callback
    for (auto& w : workers_) {
      nng_ctx_close(w.context);
      nng_aio_free(w.aio);
    }
  }
  rep_server(const rep_server&) = delete;
  rep_server& operator=(const rep_server&) = delete;

  // Until every client has said goodbye; a minute without a request ends it.
  std::uint64_t run() {
    for (auto& w : workers_) nng_ctx_recv(w.context, w.aio);
    std::unique_lock lock(mutex_);
    for (;;) {
      const auto seen = requests_.load();
      if (changed_.wait_for(lock, std::chrono::minutes(1),
                            [&] { return done_ == workers_.size() || error_ != 0; }))
        break;
      if (requests_.load() == seen) throw bench_error("nng: no request for a minute");
    }
    if (error_ != 0) check(error_, "server");
    return echoes_;
  }

 private:
  struct worker {
    rep_server* owner = nullptr;
    nng_ctx context = NNG_CTX_INITIALIZER;
    nng_aio* aio = nullptr;
    bool sending = false;
    bool goodbye = false;  // the request being answered was the client's last
  };

  static void on_completion(void* arg) {
    auto& w = *static_cast<worker*>(arg);
    auto& self = *w.owner;
    if (const int rv = nng_aio_result(w.aio); rv != 0) {
      if (rv == NNG_ECANCELED || rv == NNG_ECLOSED) return;  // stopping
      if (w.sending) nng_msg_free(nng_aio_get_msg(w.aio));
      return self.finish(rv, false);
    }
    if (w.sending) {  // the answer went out: take the next request
      w.sending = false;
      if (w.goodbye) return self.finish(0, true);
      return nng_ctx_recv(w.context, w.aio);
    }
    nng_msg* request = nng_aio_get_msg(w.aio);
    w.goodbye = nng_msg_len(request) == 0;
    ++self.requests_;
    if (!w.goodbye) ++self.echoes_;
    w.sending = true;
    nng_aio_set_msg(w.aio, request);  // the request is its own echo
    nng_ctx_send(w.context, w.aio);
  }

  void finish(int error, bool goodbye) {
    std::lock_guard lock(mutex_);
    if (error != 0) error_ = error;
    if (goodbye) ++done_;
    changed_.notify_one();
  }

  nng_link socket_;
  std::vector<worker> workers_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t done_ = 0;
  int error_ = 0;
  std::atomic<std::uint64_t> requests_{0}, echoes_{0};
};

std::string ipc_url() { return "ipc://" + temp_directory() + "/" + fresh_name() + ".nng"; }

[[maybe_unused]] const bool registered = register_mechanism({
    .name = "nng ipc",
    .kind = family::peer,
    .baseline_for = {},
    .make_address = ipc_url,
    .serve = [](const std::string& url) -> std::unique_ptr<link> {
      return std::make_unique<nng_link>(url, true);
    },
    .connect = [](const std::string& url) -> std::unique_ptr<link> {
      return std::make_unique<nng_link>(url, false);
    },
});

[[maybe_unused]] const bool registered_rep = register_clients_peer({
    .label = "nng ipc rep",
    .compared_with = {"strait unix", "strait pipe", "strait mailslot"},
    .make_address = ipc_url,
    .connect = [](const std::string& url) -> std::unique_ptr<link> {
      return std::make_unique<nng_link>(url, false, nng_req0_open);
    },
    .serve = [](const std::string& url, std::size_t clients) -> std::uint64_t {
      return rep_server(url, clients).run();
    },
});

}  // namespace
}  // namespace strait::bench
