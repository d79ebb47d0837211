// Broadcast and remote mailslots over UDP (see mailslot_broadcast.hpp).
#include "asio_errors.hpp"
#include "mailslot_broadcast.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <optional>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/multicast.hpp>
#include <asio/ip/udp.hpp>

#include "mailslot_backend.hpp"
#include "mailslot_datagram.hpp"
#include "posting.hpp"
#include "socket_support.hpp"

namespace strait {
namespace detail {
namespace {

using udp = asio::ip::udp;
using namespace std::chrono_literals;

using namespace mailslot_datagram;
constexpr std::size_t max_datagram = 65536;

// How long a forwarder waits for room in a full local mailslot before it
// drops a broadcast (best-effort, M6): the reader is not reading.
constexpr auto forward_timeout = 2s;

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::uint64_t fnv1a(std::string_view s) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// ---- options ----------------------------------------------------------------

struct broadcast_plan {
  std::string name;  // lower case: mailslot names ignore case, as on Windows
  asio::ip::address_v4 group;
  std::uint16_t port = 0;
  std::uint16_t alternate_port = 0;  // 0 when the user chose the port
  std::optional<asio::ip::address_v4> interface_address;
  std::size_t max_message_size = 0;
  int hops = 1;
};

std::optional<broadcast_plan> make_plan(const broadcast_options& o, std::string_view own_name,
                                        std::error_code& ec) {
  broadcast_plan plan;
  const std::string_view name = o.name.empty() ? own_name : std::string_view(o.name);
  if (!is_valid_name(name)) {
    ec = make_error_code(errc::invalid_name);
    return std::nullopt;
  }
  plan.name = lower(name);
  const auto derived = broadcast_address(plan.name);
  std::error_code e;
  plan.group = asio::ip::make_address_v4(o.group.empty() ? derived.group : o.group, e);
  if (e || !plan.group.is_multicast()) {
    ec = make_error_code(errc::invalid_argument);  // not an IPv4 multicast group
    return std::nullopt;
  }
  plan.port = o.port ? o.port : derived.port;
  plan.alternate_port = o.port ? 0 : derived.alternate_port;
  if (!o.interface_address.empty()) {
    plan.interface_address = asio::ip::make_address_v4(o.interface_address, e);
    if (e) {
      ec = make_error_code(errc::invalid_argument);
      return std::nullopt;
    }
  }
  if (o.max_message_size > broadcast_size_limit || o.hops < 0 || o.hops > 255) {
    ec = make_error_code(errc::invalid_argument);
    return std::nullopt;
  }
  plan.max_message_size = o.max_message_size;
  plan.hops = o.hops;
  ec = {};
  return plan;
}

// ---- writer -----------------------------------------------------------------

class broadcast_writer final : public channel_backend,
                               public std::enable_shared_from_this<broadcast_writer> {
 public:
  broadcast_writer(udp::socket socket, udp::endpoint target, std::string url,
                   const broadcast_plan& plan, std::size_t max, bool to_all)
      : socket_(std::move(socket)),
        target_(target),
        alternate_(plan.alternate_port ? std::optional<udp::endpoint>(udp::endpoint(
                                             target.address(), plan.alternate_port))
                                       : std::nullopt),
        url_(std::move(url)),
        prefix_(make_prefix(plan.name)),
        max_(max),
        to_all_(to_all) {}

  ~broadcast_writer() override { close(); }

  asio::any_io_executor get_executor() const override {
    return const_cast<udp::socket&>(socket_).get_executor();
  }

  strait::capabilities capabilities() const override {
    strait::capabilities caps;
    caps.can_receive = false;  // M1
    caps.reliable = false;     // M6: best-effort datagrams
    caps.ordered = false;
    caps.cross_machine = true;
    caps.broadcast = to_all_;
    caps.max_message_size = max_;  // the limit this writer enforces (M6)
    return caps;
  }

  void send(asio::const_buffer message, deadline, std::error_code& ec) override {
    if ((ec = check(message))) return;
    const auto header = header_for(message.size());
    std::error_code e;
    // A datagram goes out whole or not at all; UDP does not wait for a reader.
    const std::array<asio::const_buffer, 2> datagram{asio::buffer(header), message};
    socket_.send_to(datagram, target_, 0, e);
    ec = map_error(e);
    send_to_alternate(datagram);
  }

  void async_send(asio::const_buffer message, size_completion done) override {
    std::error_code ec = check(message);
    if (!ec && sending_) ec = make_error_code(errc::invalid_argument);  // one at a time
    if (ec) {
      post_to(socket_.get_executor(), [done = std::move(done), ec]() mutable { done(ec, 0); });
      return;
    }
    auto header = std::make_shared<std::vector<std::byte>>(header_for(message.size()));
    send_to_alternate({asio::buffer(*header), message});
    sending_ = true;
    socket_.async_send_to(
        std::array<asio::const_buffer, 2>{asio::buffer(*header), message}, target_,
        [self = shared_from_this(), header, size = message.size(),
         done = std::move(done)](const std::error_code& e, std::size_t) mutable {
          const auto result = is_asio_error(e, asio::error::operation_aborted)
                                  ? make_error_code(errc::operation_aborted)
                                  : map_error(e);
          self->sending_ = false;
          done(result, result ? 0 : size);
        });
  }

  std::size_t receive(asio::mutable_buffer, deadline, std::error_code& ec) override {
    ec = make_error_code(errc::access_denied);  // M1
    return 0;
  }

  void async_receive(asio::mutable_buffer, size_completion done) override {
    post_to(socket_.get_executor(), [done = std::move(done)]() mutable {
      done(make_error_code(errc::access_denied), 0);  // M1
    });
  }

  void cancel() override {
    std::error_code ignored;
    socket_.cancel(ignored);
  }

  void close() override {
    std::error_code ignored;
    socket_.close(ignored);
  }

  bool is_open() const override { return socket_.is_open(); }
  std::string endpoint() const override { return url_; }
  native_handle_type native_handle() const override {
    return to_native_handle(const_cast<udp::socket&>(socket_).native_handle());
  }

 private:
  std::error_code check(asio::const_buffer message) const {
    if (message.size() > max_) return make_error_code(errc::message_too_large);  // M6
    if (!socket_.is_open()) return make_error_code(errc::broken_pipe);
    return {};
  }

  // The copy for readers on the alternate port (15.15). Best-effort like
  // every broadcast (M6): the port's readers, if any, may miss it.
  void send_to_alternate(const std::array<asio::const_buffer, 2>& datagram) {
    if (!alternate_) return;
    std::error_code ignored;
    socket_.send_to(datagram, *alternate_, 0, ignored);
  }

  std::vector<std::byte> header_for(std::size_t size) const {
    auto header = prefix_;
    header[6] = static_cast<std::byte>(size & 0xff);
    header[7] = static_cast<std::byte>(size >> 8);
    return header;
  }

  udp::socket socket_;
  udp::endpoint target_;
  std::optional<udp::endpoint> alternate_;
  std::string url_;
  std::vector<std::byte> prefix_;
  std::size_t max_;
  bool to_all_;
  bool sending_ = false;  // an async_send whose completion has not run
};

}  // namespace

// ---- forwarder ----------------------------------------------------------------

class broadcast_forwarder {
 public:
  broadcast_forwarder(broadcast_plan plan, std::size_t local_max)
      : plan_(std::move(plan)), local_max_(local_max), socket_(io_), buffer_(max_datagram) {}

  ~broadcast_forwarder() { stop(); }

  std::error_code start(const std::string& local_name);

  void stop() noexcept {
    if (stopped_.exchange(true)) return;
    io_.stop();
    if (thread_.joinable()) thread_.join();
    std::error_code ignored;
    socket_.close(ignored);
    if (writer_) writer_->close();
  }

 private:
  void receive_next() {
    socket_.async_receive_from(asio::buffer(buffer_), from_,
                               [this](const std::error_code& e, std::size_t n) {
                                 if (is_asio_error(e, asio::error::operation_aborted) ||
                                     !socket_.is_open())
                                   return;
                                 if (!e) forward(n);
                                 // Datagram errors (an ICMP report, a cut datagram) end
                                 // one datagram, not the forwarder.
                                 receive_next();
                               });
  }

  void forward(std::size_t n) {
    const auto payload = decode(std::span(buffer_.data(), n), plan_.name);
    // The reader's limits drop larger broadcasts: best-effort, no one to tell (M6).
    if (!payload || payload->size() > plan_.max_message_size || payload->size() > local_max_)
      return;
    std::error_code ignored;
    writer_->send(asio::buffer(payload->data(), payload->size()),
                  clock::now() + forward_timeout, ignored);
  }

  broadcast_plan plan_;
  std::size_t local_max_;
  asio::io_context io_;
  udp::socket socket_;
  std::vector<std::byte> buffer_;
  udp::endpoint from_;
  std::shared_ptr<channel_backend> writer_;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
};

// Out of the class: GCC gives a lambda in an inline function default
// visibility, and the std::thread state made from it would be exported by a
// shared strait (shared.exported_symbols).
std::error_code broadcast_forwarder::start(const std::string& local_name) {
  std::error_code e;
  // Every reader of the name on this machine binds the same port; one held
  // by another program sends the reader to the alternate port (15.15).
  bind_shared_udp(socket_, udp::endpoint(asio::ip::address_v4::any(), plan_.port), e);
  if (is_asio_error(e, asio::error::address_in_use) && plan_.alternate_port) {
    socket_.close(e);
    bind_shared_udp(socket_, udp::endpoint(asio::ip::address_v4::any(), plan_.alternate_port),
                    e);
  }
  if (!e) {
    socket_.set_option(plan_.interface_address
                           ? asio::ip::multicast::join_group(plan_.group, *plan_.interface_address)
                           : asio::ip::multicast::join_group(plan_.group),
                       e);
  }
  if (e) return map_error(e);
  std::error_code ignored;  // a larger buffer only makes a burst less likely to be dropped
  socket_.set_option(asio::socket_base::receive_buffer_size(1 << 20), ignored);

  // The broadcasts enter the mailslot like any local writer's messages.
  std::error_code ec;
  connect_options options;
  options.max_message_size = local_max_;
  writer_ = connect_local_mailslot(io_, local_name, options, ec);
  if (ec) return ec;
  receive_next();
  thread_ = std::thread([this] { io_.run(); });
  return {};
}

std::shared_ptr<broadcast_forwarder> start_broadcast_forwarder(
    const std::string& local_name, std::size_t local_max, const broadcast_options& broadcast,
    std::error_code& ec) {
  auto plan = make_plan(broadcast, local_name, ec);
  if (!plan) return nullptr;
  auto forwarder = std::make_shared<broadcast_forwarder>(std::move(*plan), local_max);
  if ((ec = forwarder->start(local_name))) return nullptr;
  return forwarder;
}

void stop_broadcast_forwarder(broadcast_forwarder& forwarder) noexcept { forwarder.stop(); }

std::shared_ptr<channel_backend> connect_broadcast(asio::io_context& io,
                                                   const strait::endpoint& ep,
                                                   const broadcast_options& broadcast,
                                                   const connect_options& options,
                                                   std::error_code& ec) {
  auto options_for_name = broadcast;
  options_for_name.name.clear();  // a writer's NAME is the one in its URL
  auto plan = make_plan(options_for_name, ep.name, ec);
  if (!plan) return nullptr;
  const bool to_all = ep.host == "*";

  udp::endpoint target;
  std::error_code e;
  if (to_all) {
    target = udp::endpoint(plan->group, plan->port);
  } else {
    udp::resolver resolver(io);
    const auto found = resolver.resolve(udp::v4(), ep.host, std::to_string(plan->port), e);
    if (e || found.empty()) {
      ec = e ? map_error(e) : make_error_code(errc::not_found);
      return nullptr;
    }
    target = *found.begin();
  }

  udp::socket socket(io);
  socket.open(udp::v4(), e);
  if (!e && to_all) {
    socket.set_option(asio::ip::multicast::hops(plan->hops), e);
    if (!e) socket.set_option(asio::ip::multicast::enable_loopback(true), e);  // readers here too
    if (!e && plan->interface_address)
      socket.set_option(asio::ip::multicast::outbound_interface(*plan->interface_address), e);
  }
  if (e) {
    ec = map_error(e);
    return nullptr;
  }
  const std::size_t max = std::min(options.max_message_size, plan->max_message_size);
  ec = {};
  return std::make_shared<broadcast_writer>(std::move(socket), target, ep.url(), *plan, max,
                                            to_all);
}

}  // namespace detail

multicast_endpoint broadcast_address(std::string_view name) {
  // docs/wire-format.md: 239.255.(h>>8 mod 255).(h mod 256), port 61000 + (h>>32 mod 4500),
  // alternate port 61000 + ((h>>32 mod 4500) + 2250) mod 4500, h = 64-bit
  // FNV-1a of the name in lower case. 239.255/16 is the IPv4
  // organization-local scope; the ports lie above Linux's ephemeral range
  // but inside macOS's and Windows' (49152-65535), hence the alternate.
  const auto h = detail::fnv1a(detail::lower(name));
  multicast_endpoint out;
  out.group = "239.255." + std::to_string((h >> 8) % 255) + "." + std::to_string(h & 0xff);
  const auto slot = (h >> 32) % 4500;
  out.port = static_cast<std::uint16_t>(61000 + slot);
  out.alternate_port = static_cast<std::uint16_t>(61000 + (slot + 2250) % 4500);
  return out;
}

}  // namespace strait
