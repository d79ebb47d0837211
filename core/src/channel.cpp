#include <strait/channel.hpp>

#include <array>
#include <utility>

#include <fmt/format.h>

#include "backend.hpp"
#include "posting.hpp"

namespace strait {
namespace {

std::error_code not_open() { return make_error_code(errc::broken_pipe); }

[[noreturn]] void throw_error(const std::error_code& ec, std::string_view what,
                              const std::string& url) {
  throw std::system_error(ec, url.empty() ? std::string(what) : fmt::format("{} {}", what, url));
}

constexpr std::size_t first_piece = 4096;   // small messages: one exact allocation
constexpr std::size_t min_growth = 64 * 1024;

// What a whole-message receive holds when it must stop before the end:
// C8 keeps it in the backend for the next receive instead of dropping it.
void keep_unread(detail::channel_backend& b, std::vector<std::byte> bytes) {
  b.unread = {std::move(bytes), 0, true};
}

enum class unread_result { none, message_done, buffer_full, rest_in_transport };

// Hands out what an interrupted whole-message receive kept (C8).
unread_result take_unread(detail::unread_message& unread, asio::mutable_buffer buffer,
                          std::size_t& n) {
  if (unread.bytes.empty()) return unread_result::none;
  n = asio::buffer_copy(buffer, asio::buffer(unread.bytes) + unread.offset);
  unread.offset += n;
  if (unread.offset < unread.bytes.size()) return unread_result::buffer_full;
  const bool more = std::exchange(unread, {}).more;
  if (!more) return unread_result::message_done;
  return n == buffer.size() ? unread_result::buffer_full : unread_result::rest_in_transport;
}

std::size_t next_piece(const detail::channel_backend& b, std::size_t have) {
  const std::size_t remaining = b.message_remaining();
  return remaining ? remaining : std::max(have, min_growth);
}

}  // namespace

// ---- channel ----------------------------------------------------------------

channel::channel() noexcept = default;
channel::channel(std::shared_ptr<detail::channel_backend> backend) noexcept
    : backend_(std::move(backend)) {}
channel::channel(channel&&) noexcept = default;

channel& channel::operator=(channel&& other) noexcept {
  if (this != &other) {
    close();
    backend_ = std::move(other.backend_);
    send_timeout_ = other.send_timeout_;
    receive_timeout_ = other.receive_timeout_;
  }
  return *this;
}

channel::~channel() { close(); }

bool channel::is_open() const noexcept { return backend_ && backend_->is_open(); }

channel::executor_type channel::get_executor() const {
  if (!backend_) throw std::system_error(not_open(), "strait::channel is not open");
  return backend_->get_executor();
}

void channel::set_send_timeout(duration timeout) noexcept { send_timeout_ = timeout; }
void channel::set_receive_timeout(duration timeout) noexcept { receive_timeout_ = timeout; }

void channel::send(asio::const_buffer message, std::error_code& ec) {
  if (!backend_) {
    ec = not_open();
    return;
  }
  if (backend_->send_if_ready(message, ec)) return;
  backend_->send(message, detail::deadline_after(send_timeout_), ec);
}

void channel::send(asio::const_buffer message) {
  std::error_code ec;
  send(message, ec);
  if (ec) throw_error(ec, "send on", endpoint());
}

std::size_t channel::receive(asio::mutable_buffer buffer, std::error_code& ec) {
  if (!backend_) {
    ec = not_open();
    return 0;
  }
  std::size_t n = 0;
  if (backend_->unread.bytes.empty() && backend_->receive_if_ready(buffer, n, ec)) return n;
  const auto until = detail::deadline_after(receive_timeout_);
  switch (take_unread(backend_->unread, buffer, n)) {
    case unread_result::none: return backend_->receive(buffer, until, ec);
    case unread_result::message_done: ec = {}; return n;
    case unread_result::buffer_full: ec = make_error_code(errc::more_data); return n;
    case unread_result::rest_in_transport: break;
  }
  const std::size_t m = backend_->receive(buffer + n, until, ec);
  if (ec && ec != errc::more_data) {
    const auto* p = static_cast<const std::byte*>(buffer.data());
    keep_unread(*backend_, {p, p + n});
    return 0;
  }
  return n + m;
}

std::size_t channel::receive(asio::mutable_buffer buffer) {
  std::error_code ec;
  const std::size_t n = receive(buffer, ec);
  if (ec) throw_error(ec, "receive on", endpoint());
  return n;
}

std::vector<std::byte> channel::receive(std::error_code& ec) {
  if (!backend_) {
    ec = not_open();
    return {};
  }
  const auto until = detail::deadline_after(receive_timeout_);
  std::vector<std::byte> message;
  auto& unread = backend_->unread;
  if (!unread.bytes.empty()) {
    message.assign(unread.bytes.begin() + unread.offset, unread.bytes.end());
    const bool more = unread.more;
    unread = {};
    if (!more) {
      ec = {};
      return message;
    }
  } else {
    std::array<std::byte, first_piece> first;
    const std::size_t n = backend_->receive(asio::buffer(first), until, ec);
    if (ec != errc::more_data) {
      if (ec) return {};
      return {first.begin(), first.begin() + n};
    }
    message.assign(first.begin(), first.begin() + n);
  }
  for (;;) {  // the rest of a message larger than the first piece
    const std::size_t have = message.size();
    message.resize(have + next_piece(*backend_, have));
    const std::size_t n =
        backend_->receive(asio::buffer(message.data() + have, message.size() - have), until, ec);
    message.resize(have + n);
    if (!ec) return message;
    if (ec != errc::more_data) {
      keep_unread(*backend_, std::move(message));
      return {};
    }
  }
}

std::vector<std::byte> channel::receive() {
  std::error_code ec;
  auto message = receive(ec);
  if (ec) throw_error(ec, "receive on", endpoint());
  return message;
}

void channel::start_send(asio::const_buffer message, size_completion done) {
  backend_->async_send(message, std::move(done));
}

void channel::start_receive(asio::mutable_buffer buffer, size_completion done) {
  std::size_t n = 0;
  std::error_code ec;
  switch (take_unread(backend_->unread, buffer, n)) {
    case unread_result::none: return backend_->async_receive(buffer, std::move(done));
    case unread_result::message_done: break;
    case unread_result::buffer_full: ec = make_error_code(errc::more_data); break;
    case unread_result::rest_in_transport:
      return backend_->async_receive(
          buffer + n, size_completion([b = backend_, buffer, n, done = std::move(done)](
                                          std::error_code error, std::size_t m) mutable {
            if (error && error != errc::more_data) {
              const auto* p = static_cast<const std::byte*>(buffer.data());
              keep_unread(*b, {p, p + n});
              return done(error, 0);
            }
            done(error, n + m);
          }));
  }
  detail::post_to(get_executor(), [done = std::move(done), ec, n]() mutable { done(ec, n); });
}

namespace {

// async_receive() of a whole message: pieces until the transport says the
// message is complete; an interruption keeps what was taken (C8).
struct receive_message_op {
  std::shared_ptr<detail::channel_backend> backend;
  detail::completion<void(std::error_code, std::vector<std::byte>)> done;
  std::vector<std::byte> message;
  std::size_t have = 0;

  void start() {
    message.resize(have + (have ? next_piece(*backend, have) : first_piece));
    auto& b = *backend;
    auto self = std::make_shared<receive_message_op>(std::move(*this));
    b.async_receive(asio::buffer(self->message.data() + self->have,
                                 self->message.size() - self->have),
                    detail::size_completion([self](std::error_code ec, std::size_t n) {
                      self->on_piece(ec, n);
                    }));
  }

  void on_piece(std::error_code ec, std::size_t n) {
    have += n;
    message.resize(have);
    if (ec == errc::more_data) return start();
    if (ec) {
      if (have > 0) keep_unread(*backend, std::move(message));
      return done(ec, {});
    }
    done({}, std::move(message));
  }
};

}  // namespace

void channel::start_receive_message(message_completion done) {
  receive_message_op op{backend_, std::move(done), {}, 0};
  auto& unread = backend_->unread;
  if (!unread.bytes.empty()) {
    op.message.assign(unread.bytes.begin() + unread.offset, unread.bytes.end());
    op.have = op.message.size();
    const bool more = unread.more;
    unread = {};
    if (!more) {
      detail::post_to(get_executor(), [op = std::move(op)]() mutable {
        op.done({}, std::move(op.message));
      });
      return;
    }
  }
  op.start();
}

void channel::cancel() {
  if (backend_) backend_->cancel();
}

void channel::close() {
  if (backend_) backend_->close();
}

capabilities channel::capabilities() const {
  return backend_ ? backend_->capabilities() : strait::capabilities{};
}

peer_info channel::peer() const { return backend_ ? backend_->peer() : peer_info{}; }

std::string channel::endpoint() const { return backend_ ? backend_->endpoint() : std::string{}; }

native_handle_type channel::native_handle() const {
  return backend_ ? backend_->native_handle() : native_handle_type{};
}

// ---- listener ---------------------------------------------------------------

listener::listener() noexcept = default;
listener::listener(std::shared_ptr<detail::listener_backend> backend) noexcept
    : backend_(std::move(backend)) {}
listener::listener(listener&&) noexcept = default;

listener& listener::operator=(listener&& other) noexcept {
  if (this != &other) {
    close();
    backend_ = std::move(other.backend_);
    accept_timeout_ = other.accept_timeout_;
  }
  return *this;
}

listener::~listener() { close(); }

bool listener::is_open() const noexcept { return backend_ && backend_->is_open(); }

listener::executor_type listener::get_executor() const {
  if (!backend_) throw std::system_error(not_open(), "strait::listener is not open");
  return backend_->get_executor();
}

void listener::set_accept_timeout(duration timeout) noexcept { accept_timeout_ = timeout; }

channel listener::accept(std::error_code& ec) {
  if (!backend_) {
    ec = not_open();
    return {};
  }
  return channel(backend_->accept(detail::deadline_after(accept_timeout_), ec));
}

channel listener::accept() {
  std::error_code ec;
  auto ch = accept(ec);
  if (ec) throw_error(ec, "accept on", endpoint());
  return ch;
}

void listener::start_accept(detail::completion<void(std::error_code, channel)> done) {
  backend_->async_accept(detail::listener_backend::accept_completion(
      [done = std::move(done)](std::error_code ec,
                               std::shared_ptr<detail::channel_backend> b) mutable {
        done(ec, channel(std::move(b)));
      }));
}

void listener::cancel() {
  if (backend_) backend_->cancel();
}

void listener::close() {
  if (backend_) backend_->close();
}

std::string listener::endpoint() const {
  return backend_ ? backend_->endpoint() : std::string{};
}

}  // namespace strait
