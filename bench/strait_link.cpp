// strait itself as a mechanism: a link over strait::channel, for any URL of
// any scheme the build has. A one-way transport (a channel that cannot both
// send and receive, such as a mailslot) gets a second channel of the same
// scheme for the way back, at a name derived from the first ("NAME-reply").
#include "strait_link.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include <strait/strait.hpp>

namespace strait::bench {
namespace {

using namespace std::chrono_literals;

strait::listen_options listen_options_for(const shm_waiting& w) {
  strait::listen_options options;
  options.shm_wait = w.wait;
  options.shm_spin_time = w.spin_time;
  return options;
}

strait::channel connect_when_ready(asio::io_context& io, const std::string& url,
                                   const shm_waiting& w) {
  strait::connect_options options;
  options.timeout = 1s;
  options.shm_wait = w.wait;
  options.shm_spin_time = w.spin_time;
  strait::channel ch;
  std::error_code last;
  retry_until_ready(
      [&] {  // the server process may still be starting (not_found until it listens)
        ch = strait::connect(io, url, options, last);
        return !last;
      },
      fmt::format("connect {} ({})", url, last.message()));
  return ch;
}

class strait_link final : public link {
 public:
  // Server side: listen, accept one client, then set up the way back.
  static std::unique_ptr<link> serve(const std::string& url, const shm_waiting& w) {
    auto self = std::make_unique<strait_link>(true);
    self->listener_ = strait::listen(self->io_, url, listen_options_for(w));
    self->listener_.set_accept_timeout(link_timeout);
    self->main_ = self->listener_.accept();
    configure(self->main_);
    std::byte hello{};
    self->main_.receive(asio::buffer(&hello, 1));
    if (!self->main_.capabilities().can_send) {
      self->back_ = connect_when_ready(self->io_, reply_url(url, "-reply"), w);
      configure(self->back_);
      self->one_way_ = true;
    }
    self->writer().send(asio::buffer(&hello, 1));
    return self;
  }

  // Client side: connect; a one-way transport listens for the way back first,
  // before its hello tells the server to connect there.
  static std::unique_ptr<link> connect(const std::string& url, const shm_waiting& w) {
    auto self = std::make_unique<strait_link>(false);
    self->main_ = connect_when_ready(self->io_, url, w);
    configure(self->main_);
    self->one_way_ = !self->main_.capabilities().can_receive;
    if (self->one_way_) {
      self->listener_ = strait::listen(self->io_, reply_url(url, "-reply"), listen_options_for(w));
      self->listener_.set_accept_timeout(link_timeout);
    }
    std::byte hello{1};
    self->main_.send(asio::buffer(&hello, 1));
    if (self->one_way_) {
      self->back_ = self->listener_.accept();
      configure(self->back_);
    }
    self->reader().receive(asio::buffer(&hello, 1));
    return self;
  }

  explicit strait_link(bool server) : server_(server) {}

  void send(const std::byte* data, std::size_t size) override {
    std::error_code ec;
    writer().send(asio::buffer(data, size), ec);
    if (ec) throw bench_error(fmt::format("send {} B: {}", size, ec.message()));
  }

  void receive(std::byte* data, std::size_t size) override {
    std::error_code ec;
    const auto got = reader().receive(asio::buffer(data, size), ec);
    if (ec == strait::errc::more_data)
      throw bench_error(fmt::format("a message larger than the {} B expected", size));
    if (ec) throw bench_error(fmt::format("receive {} B: {}", size, ec.message()));
    if (got != size) throw bench_error(fmt::format("{} B received, {} B expected", got, size));
  }

  std::size_t max_message_size() const override {
    return std::min(main_.capabilities().max_message_size,
                    one_way_ ? back_.capabilities().max_message_size : SIZE_MAX);
  }

 private:
  static void configure(strait::channel& ch) {
    ch.set_send_timeout(link_timeout);
    ch.set_receive_timeout(link_timeout);
  }
  // main_ is the channel to the URL; on a one-way transport the server writes,
  // and the client reads, on back_.
  strait::channel& writer() { return one_way_ && server_ ? back_ : main_; }
  strait::channel& reader() { return one_way_ && !server_ ? back_ : main_; }

  asio::io_context io_;  // declared first: outlives the channels
  strait::listener listener_;
  strait::channel main_, back_;
  bool server_;
  bool one_way_ = false;
};

[[maybe_unused]] const bool registered = register_mechanism({
    .name = std::string(strait_mechanism_name),
    .kind = family::strait,
    .baseline_for = {},
    .make_address = {},  // per scheme: default_strait_url()
    .serve = [](const std::string& url) { return strait_link::serve(url, {}); },
    .connect = [](const std::string& url) { return strait_link::connect(url, {}); },
});

}  // namespace

std::string_view wait_name(wait_strategy w) noexcept {
  switch (w) {
    case wait_strategy::spin:
      return "spin";
    case wait_strategy::adaptive:
      return "adaptive";
    case wait_strategy::block:
      return "block";
  }
  return "?";
}

std::optional<wait_strategy> parse_wait_name(std::string_view name) noexcept {
  for (const auto w : {wait_strategy::spin, wait_strategy::adaptive, wait_strategy::block})
    if (name == wait_name(w)) return w;
  return std::nullopt;
}

std::chrono::nanoseconds parse_microseconds(const std::string& text) {
  const double us = std::stod(text);
  if (!(us >= 0) || us > 1e9) throw std::invalid_argument("a time in µs wants 0 to 1e9: " + text);
  return std::chrono::nanoseconds(std::llround(us * 1000));
}

std::vector<std::string> shm_waiting_arguments(const shm_waiting& w) {
  // The shortest text that reads back as the same double: no rounding lost.
  return {"--shm-wait", std::string(wait_name(w.wait)), "--shm-spin-time",
          fmt::format("{}", static_cast<double>(w.spin_time.count()) / 1000)};
}

bool parse_shm_argument(const std::string& option, const std::string& value, shm_waiting& w) {
  if (option == "--shm-wait") {
    const auto parsed = parse_wait_name(value);
    if (!parsed) throw std::invalid_argument("--shm-wait wants spin, adaptive or block");
    w.wait = *parsed;
    return true;
  }
  if (option == "--shm-spin-time") {
    w.spin_time = parse_microseconds(value);
    return true;
  }
  return false;
}

std::unique_ptr<link> serve_strait(const std::string& url, const shm_waiting& w) {
  return strait_link::serve(url, w);
}

std::unique_ptr<link> connect_strait(const std::string& url, const shm_waiting& w) {
  return strait_link::connect(url, w);
}

std::string reply_url(const std::string& url, std::string_view suffix) {
  auto ep = strait::parse_endpoint(url);
  if (ep.name.empty())
    throw bench_error(url + " is one-way and names nothing to derive a reply URL from");
  ep.name.resize(std::min(ep.name.size(), strait::max_name_length - suffix.size()));
  ep.name += suffix;
  return ep.url();
}

std::string default_strait_url(std::string_view scheme) {
  if (scheme == "tcp") return fmt::format("tcp://127.0.0.1:{}", free_tcp_port());
  return fmt::format("{}://{}", scheme, fresh_name());
}

}  // namespace strait::bench
