// Peer library: ZeroMQ PAIR sockets over ipc:// (AF_UNIX underneath) and
// tcp:// (loopback), with the plain zmq_send/zmq_recv calls an application
// would use. Compiled only when libzmq3-dev was found.
#include <zmq.h>

#include <fmt/format.h>

#include "mechanism.hpp"

namespace strait::bench {
namespace {

[[noreturn]] void fail(const char* what) {
  throw bench_error(fmt::format("zmq {}: {}", what, zmq_strerror(zmq_errno())));
}

class zmq_link final : public link {
 public:
  zmq_link(const std::string& endpoint, bool server) : context_(zmq_ctx_new()) {
    if (!context_) fail("ctx_new");
    socket_ = zmq_socket(context_, ZMQ_PAIR);
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
    zmq_close(socket_);
    zmq_ctx_term(context_);
  }

  void send(const std::byte* p, std::size_t n) override {
    if (zmq_send(socket_, p, n, 0) < 0) fail("send");
  }

  void receive(std::byte* p, std::size_t n) override {
    const int got = zmq_recv(socket_, p, n, 0);  // the full size, even when truncated
    if (got < 0) fail("recv");
    if (static_cast<std::size_t>(got) != n)
      throw bench_error(fmt::format("zmq: {} B received, {} B expected", got, n));
  }

 private:
  void* context_;
  void* socket_ = nullptr;
};

std::unique_ptr<link> serve(const std::string& endpoint) {
  return std::make_unique<zmq_link>(endpoint, true);
}
std::unique_ptr<link> connect(const std::string& endpoint) {
  return std::make_unique<zmq_link>(endpoint, false);
}

[[maybe_unused]] const bool registered_ipc = register_mechanism({
    .name = "zmq ipc",
    .kind = family::peer,
    .baseline_for = {},
    .make_address = [] { return "ipc://" + temp_directory() + "/" + fresh_name() + ".zmq"; },
    .serve = serve,
    .connect = connect,
});

[[maybe_unused]] const bool registered_tcp = register_mechanism({
    .name = "zmq tcp",
    .kind = family::peer,
    .baseline_for = {},
    .make_address = [] { return fmt::format("tcp://127.0.0.1:{}", free_tcp_port()); },
    .serve = serve,
    .connect = connect,
});

}  // namespace
}  // namespace strait::bench
