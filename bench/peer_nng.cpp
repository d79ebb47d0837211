// Peer library: NNG pair1 sockets over ipc:// (AF_UNIX underneath), with the
// copying nng_send/nng_recv an application would use. Compiled only when
// libnng-dev was found.
#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>

#include <fmt/format.h>

#include "mechanism.hpp"

namespace strait::bench {
namespace {

void check(int rv, const char* what) {
  if (rv != 0) throw bench_error(fmt::format("nng {}: {}", what, nng_strerror(rv)));
}

class nng_link final : public link {
 public:
  nng_link(const std::string& url, bool server) {
    check(nng_pair1_open(&socket_), "pair1_open");
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
  ~nng_link() override { nng_close(socket_); }

  void send(const std::byte* p, std::size_t n) override {
    check(nng_send(socket_, const_cast<std::byte*>(p), n, 0), "send");
  }

  void receive(std::byte* p, std::size_t n) override {
    std::size_t got = n;  // in: room; out: the message's size
    check(nng_recv(socket_, p, &got, 0), "recv");
    if (got != n) throw bench_error(fmt::format("nng: {} B received, {} B expected", got, n));
  }

 private:
  nng_socket socket_ = NNG_SOCKET_INITIALIZER;
};

[[maybe_unused]] const bool registered = register_mechanism({
    .name = "nng ipc",
    .kind = family::peer,
    .baseline_for = {},
    .make_address = [] { return "ipc://" + temp_directory() + "/" + fresh_name() + ".nng"; },
    .serve = [](const std::string& url) -> std::unique_ptr<link> {
      return std::make_unique<nng_link>(url, true);
    },
    .connect = [](const std::string& url) -> std::unique_ptr<link> {
      return std::make_unique<nng_link>(url, false);
    },
});

}  // namespace
}  // namespace strait::bench
