// strait::mailslot, the mailslot:// transport of connect()/listen(), and
// connect_mailslot(): the platform-independent glue around the readers and
// writers of platform/<os>/mailslot_*.cpp and the UDP broadcast of
// mailslot_broadcast.cpp.
#include <strait/mailslot.hpp>

#include <algorithm>
#include <utility>

#include <asio/post.hpp>
#include <fmt/format.h>

#include "mailslot_backend.hpp"
#include "mailslot_broadcast.hpp"
#include "single_reader_listener.hpp"

namespace strait {
namespace detail {
namespace {

// A mailslot URL or bare NAME, understood.
struct reader_address {
  std::string name;
  bool broadcasts = false;
};

std::optional<reader_address> parse_reader_address(std::string_view text, std::error_code& ec) {
  if (text.find("://") == std::string_view::npos) {
    if (!is_valid_name(text)) {
      ec = make_error_code(errc::invalid_name);  // N1, before any system call
      return std::nullopt;
    }
    ec = {};
    return reader_address{std::string(text), false};
  }
  const auto ep = parse_endpoint(text, ec);
  if (ec) return std::nullopt;
  // A reader lives on this machine: mailslot://NAME (or .), or */NAME for broadcasts too.
  if (ep.scheme != "mailslot" || (!ep.host.empty() && ep.host != "." && ep.host != "*")) {
    ec = make_error_code(errc::invalid_argument);
    return std::nullopt;
  }
  return reader_address{ep.name, ep.host == "*"};
}

std::shared_ptr<mailslot_reader> open_reader(asio::io_context& io, const reader_address& address,
                                             const mailslot_options& options,
                                             std::error_code& ec) {
  if (options.max_message_size == 0 || options.max_message_size > mailslot_size_limit) {
    ec = make_error_code(errc::invalid_argument);  // M3: an explicit bound, within the limit
    return nullptr;
  }
  auto reader = create_local_mailslot(io, address.name, options.max_message_size, ec);
  if (!reader) return nullptr;
  if (address.broadcasts || options.receive_broadcasts) {
    auto forwarder =
        start_broadcast_forwarder(address.name, options.max_message_size, options.broadcast, ec);
    if (!forwarder) {
      reader->close();
      return nullptr;
    }
    reader->set_receives_broadcasts(true);
    // After the local mailslot is gone, so that a forward blocked on it ends at once.
    reader->on_close([forwarder] { stop_broadcast_forwarder(*forwarder); });
  }
  return reader;
}

std::shared_ptr<channel_backend> open_writer(asio::io_context& io, const strait::endpoint& ep,
                                             const broadcast_options& broadcast,
                                             const connect_options& options,
                                             std::error_code& ec) {
  if (ep.host.empty() || ep.host == ".") return connect_local_mailslot(io, ep.name, options, ec);
  return connect_broadcast(io, ep, broadcast, options, ec);
}

}  // namespace

std::shared_ptr<channel_backend> mailslot_connect(asio::io_context& io, const strait::endpoint& ep,
                                                  const connect_options& options,
                                                  std::error_code& ec) {
  return open_writer(io, ep, broadcast_options{}, options, ec);
}

std::shared_ptr<listener_backend> mailslot_listen(asio::io_context& io, const strait::endpoint& ep,
                                                  const listen_options& options,
                                                  std::error_code& ec) {
  if (!ep.host.empty() && ep.host != "." && ep.host != "*") {
    ec = make_error_code(errc::invalid_argument);  // one reads only this machine's mailslots
    return nullptr;
  }
  mailslot_options o;
  o.max_message_size = std::min(options.max_message_size, mailslot_size_limit);
  auto reader = open_reader(io, {ep.name, ep.host == "*"}, o, ec);
  if (!reader) return nullptr;
  // What is served: */NAME takes broadcasts too and says so; ./NAME is NAME.
  auto url = ep.host == "*" ? ep.url() : reader->endpoint();
  return std::make_shared<single_reader_listener>(std::move(reader), std::move(url));
}

}  // namespace detail

// ---- strait::mailslot ------------------------------------------------------------

namespace {

std::error_code not_open() { return make_error_code(errc::broken_pipe); }

template <class T>
T throw_on_error(const std::error_code& ec, T value, std::string_view what,
                 const std::string& url) {
  if (ec) throw std::system_error(ec, fmt::format("{} {}", what, url));
  return value;
}

}  // namespace

mailslot::mailslot() noexcept = default;
mailslot::mailslot(std::shared_ptr<detail::mailslot_reader> reader) noexcept
    : reader_(std::move(reader)) {}
mailslot::mailslot(mailslot&&) noexcept = default;

mailslot& mailslot::operator=(mailslot&& other) noexcept {
  if (this != &other) {
    close();
    reader_ = std::move(other.reader_);
    read_timeout_ = other.read_timeout_;
  }
  return *this;
}

mailslot::~mailslot() { close(); }

mailslot mailslot::create(asio::io_context& io, std::string_view name, mailslot_options options,
                          std::error_code& ec) {
  const auto address = detail::parse_reader_address(name, ec);
  if (!address) return {};
  detail::take_failure_note();  // a note from an earlier call is not this one's
  auto reader = detail::open_reader(io, *address, options, ec);
  if (!reader) return {};
  mailslot box(std::move(reader));
  box.read_timeout_ = options.read_timeout;
  return box;
}

mailslot mailslot::create(asio::io_context& io, std::string_view name, mailslot_options options) {
  std::error_code ec;
  auto box = create(io, name, std::move(options), ec);
  if (ec) {
    const auto note = detail::take_failure_note();  // which path, whose (issue 12.9)
    throw std::system_error(ec, note.empty() ? fmt::format("cannot create mailslot {}", name)
                                             : fmt::format("cannot create mailslot {}: {}", name, note));
  }
  return box;
}

bool mailslot::is_open() const noexcept { return reader_ && reader_->is_open(); }

mailslot::executor_type mailslot::get_executor() const {
  if (!reader_) throw std::system_error(not_open(), "strait::mailslot is not open");
  return reader_->get_executor();
}

std::size_t mailslot::receive(asio::mutable_buffer buffer, std::error_code& ec) {
  if (!reader_) {
    ec = not_open();
    return 0;
  }
  return reader_->read(buffer, detail::deadline_after(read_timeout_),
                       detail::mailslot_reader::short_buffer::keep, ec);  // M5
}

std::size_t mailslot::receive(asio::mutable_buffer buffer) {
  std::error_code ec;
  const auto n = receive(buffer, ec);
  return throw_on_error(ec, n, "receive on", endpoint());
}

std::vector<std::byte> mailslot::receive(std::error_code& ec) {
  if (!reader_) {
    ec = not_open();
    return {};
  }
  return reader_->read_message(detail::deadline_after(read_timeout_), ec);
}

std::vector<std::byte> mailslot::receive() {
  std::error_code ec;
  auto message = receive(ec);
  return throw_on_error(ec, std::move(message), "receive on", endpoint());
}

void mailslot::start_receive(asio::mutable_buffer buffer, size_completion done) {
  reader_->async_read(buffer, detail::mailslot_reader::short_buffer::keep, std::move(done));
}

void mailslot::start_receive_message(message_completion done) {
  reader_->async_read_message(std::move(done));
}

std::optional<std::size_t> mailslot::next_message_size(std::error_code& ec) {
  if (!reader_) {
    ec = not_open();
    return std::nullopt;
  }
  return reader_->next_message_size(ec);
}

std::optional<std::size_t> mailslot::next_message_size() {
  std::error_code ec;
  auto size = next_message_size(ec);
  return throw_on_error(ec, size, "next_message_size of", endpoint());
}

std::size_t mailslot::pending(std::error_code& ec) {
  if (!reader_) {
    ec = not_open();
    return 0;
  }
  return reader_->pending(ec);
}

std::size_t mailslot::pending() {
  std::error_code ec;
  const auto n = pending(ec);
  return throw_on_error(ec, n, "pending of", endpoint());
}

void mailslot::set_read_timeout(duration timeout) noexcept { read_timeout_ = timeout; }
duration mailslot::read_timeout() const noexcept { return read_timeout_; }

std::size_t mailslot::max_message_size() const noexcept {
  return reader_ ? reader_->max_message_size() : 0;
}

void mailslot::cancel() {
  if (reader_) reader_->cancel();
}

void mailslot::close() {
  if (reader_) reader_->close();
}

capabilities mailslot::capabilities() const {
  if (!reader_) return {};
  return reader_->capabilities();
}

std::string mailslot::endpoint() const { return reader_ ? reader_->endpoint() : std::string{}; }

native_handle_type mailslot::native_handle() const {
  return reader_ ? reader_->native_handle() : native_handle_type{};
}

// ---- writers with broadcast settings -----------------------------------------------

channel connect_mailslot(asio::io_context& io, std::string_view url,
                         const broadcast_options& broadcast, connect_options options,
                         std::error_code& ec) {
  const auto ep = parse_endpoint(url, ec);
  if (ec) return {};
  if (ep.scheme != "mailslot") {
    ec = make_error_code(errc::invalid_argument);
    return {};
  }
  auto backend = detail::open_writer(io, ep, broadcast, options, ec);
  if (!backend) return {};
  return channel(std::move(backend));
}

channel connect_mailslot(asio::io_context& io, std::string_view url,
                         const broadcast_options& broadcast, connect_options options) {
  std::error_code ec;
  auto ch = connect_mailslot(io, url, broadcast, options, ec);
  if (ec) throw std::system_error(ec, fmt::format("cannot connect to {}", url));
  return ch;
}

}  // namespace strait
