// Peer library: ZeroMQ PAIR sockets over ipc:// (AF_UNIX underneath) and
// tcp:// (loopback), with the plain zmq_send/zmq_recv calls an application
// would use; for the clients sweep, the server ZeroMQ's users write for many
// clients: one ROUTER socket in one thread, DEALER clients. Compiled only
// when libzmq3-dev was found.
#include <zmq.h>

#include <array>
#include <cstdint>

#include <fmt/format.h>

#include "clients.hpp"
#include "mechanism.hpp"

namespace strait::bench {
namespace {

[[noreturn]] void fail(const char* what) {
  throw bench_error(fmt::format("zmq {}: {}", what, zmq_strerror(zmq_errno())));
}

class zmq_link final : public link {
 public:
  zmq_link(const std::string& endpoint, bool server, int type = ZMQ_PAIR)
      : context_(zmq_ctx_new()), type_(type) {
    if (!context_) fail("ctx_new");
    socket_ = zmq_socket(context_, type);
    if (!socket_) fail("socket");
    const int timeout = static_cast<int>(std::chrono::milliseconds(link_timeout).count());
    const int linger = 1000;
    zmq_setsockopt(socket_, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(socket_, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(socket_, ZMQ_LINGER, &linger, sizeof linger);
    // zmq_connect succeeds before the server binds and connects in the
    // background; the first send waits for the peer.
    if ((server ? zmq_bind(socket_, endpoint.c_str()) : zmq_connect(socket_, endpoint.c_str())) !=
        0)
      fail(server ? "bind" : "connect");
  }
  ~zmq_link() override {
    if (type_ == ZMQ_DEALER) {  // the clients sweep's goodbye: empty, answered empty
      std::byte answer{};
      if (zmq_send(socket_, nullptr, 0, 0) == 0) zmq_recv(socket_, &answer, 1, 0);
    }
    zmq_close(socket_);
    zmq_ctx_term(context_);
  }
  zmq_link(const zmq_link&) = delete;
  zmq_link& operator=(const zmq_link&) = delete;

  void send(const std::byte* p, std::size_t n) override {
    if (zmq_send(socket_, p, n, 0) < 0) fail("send");
  }

  void receive(std::byte* p, std::size_t n) override {
    const int got = zmq_recv(socket_, p, n, 0);  // the full size, even when truncated
    if (got < 0) fail("recv");
    if (static_cast<std::size_t>(got) != n)
      throw bench_error(fmt::format("zmq: {} B received, {} B expected", got, n));
  }

  void* socket() const { return socket_; }

 private:
  void* context_;
  void* socket_ = nullptr;
  int type_;
};

// One ROUTER socket, one thread: each request is [client identity][payload],
// echoed as it came; an empty payload is a client's goodbye.
std::uint64_t serve_router(const std::string& endpoint, std::size_t clients) {
  zmq_link router(endpoint, true, ZMQ_ROUTER);
  const int idle = 60'000;  // a client gone without its goodbye ends the run, not a hang
  zmq_setsockopt(router.socket(), ZMQ_RCVTIMEO, &idle, sizeof idle);
  std::array<std::byte, 256> identity{};
  std::array<std::byte, clients_message_size> payload{};
  std::uint64_t echoes = 0;
  for (std::size_t done = 0; done < clients;) {
    const int id_size = zmq_recv(router.socket(), identity.data(), identity.size(), 0);
    if (id_size < 0) fail("recv (identity)");
    const int size = zmq_recv(router.socket(), payload.data(), payload.size(), 0);
    if (size < 0) fail("recv");
    if (size == 0)
      ++done;
    else if (static_cast<std::size_t>(size) != payload.size())
      throw bench_error(fmt::format("zmq: a request of {} B", size));
    else
      ++echoes;
    if (zmq_send(router.socket(), identity.data(), static_cast<std::size_t>(id_size),
                 ZMQ_SNDMORE) < 0 ||
        zmq_send(router.socket(), payload.data(), static_cast<std::size_t>(size), 0) < 0)
      fail("send");
  }
  return echoes;
}

std::string ipc_endpoint() { return "ipc://" + temp_directory() + "/" + fresh_name() + ".zmq"; }
std::string tcp_endpoint() { return fmt::format("tcp://127.0.0.1:{}", free_tcp_port()); }

std::unique_ptr<link> serve(const std::string& endpoint) {
  return std::make_unique<zmq_link>(endpoint, true);
}
std::unique_ptr<link> connect(const std::string& endpoint) {
  return std::make_unique<zmq_link>(endpoint, false);
}
std::unique_ptr<link> connect_dealer(const std::string& endpoint) {
  return std::make_unique<zmq_link>(endpoint, false, ZMQ_DEALER);
}

[[maybe_unused]] const bool registered_ipc = register_mechanism({
    .name = "zmq ipc",
    .kind = family::peer,
    .baseline_for = {},
    .make_address = ipc_endpoint,
    .serve = serve,
    .connect = connect,
});

[[maybe_unused]] const bool registered_tcp = register_mechanism({
    .name = "zmq tcp",
    .kind = family::peer,
    .baseline_for = {},
    .make_address = tcp_endpoint,
    .serve = serve,
    .connect = connect,
});

[[maybe_unused]] const bool registered_ipc_router = register_clients_peer({
    .label = "zmq ipc router",
    .compared_with = {"strait unix", "strait pipe", "strait mailslot"},
    .make_address = ipc_endpoint,
    .connect = connect_dealer,
    .serve = serve_router,
});

[[maybe_unused]] const bool registered_tcp_router = register_clients_peer({
    .label = "zmq tcp router",
    .compared_with = {"strait tcp"},
    .make_address = tcp_endpoint,
    .connect = connect_dealer,
    .serve = serve_router,
});

}  // namespace
}  // namespace strait::bench
