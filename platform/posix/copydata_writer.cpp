// The writing end of copydata:// on POSIX (see copydata_frame.hpp): one
// frame per message on a stream connection to the reader, then its answer.
// A send returns once the reader has queued the message, as SendMessage
// returns once the window procedure has run.
//
// A send that times out or is cancelled leaves the connection mid-frame or
// mid-answer: it is closed (the reader then drops that message, C8) and the
// next send connects again. A reader that is gone is broken_pipe (C4).
#include <asio/read.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>

#include "copydata_backend.hpp"
#include "copydata_frame.hpp"
#include "local_socket.hpp"
#include "socket_support.hpp"

namespace strait::detail {
namespace {

class posix_copydata_writer final : public copydata_writer,
                                    public std::enable_shared_from_this<posix_copydata_writer> {
 public:
  posix_copydata_writer(asio::io_context& io, socket_place place, local_stream::socket socket,
                        std::string url, std::size_t max, std::uintptr_t data)
      : copydata_writer(max), io_(io), place_(std::move(place)), socket_(std::move(socket)),
        url_(std::move(url)), data_(data) {}

  ~posix_copydata_writer() override { close(); }

  asio::any_io_executor get_executor() const override { return io_.get_executor(); }

  void send(asio::const_buffer message, deadline until, std::error_code& ec) override {
    if ((ec = check(message)) || (ec = ensure_connected())) return;
    block_for_sync_call(*socket_, false);
    const auto header = encode_copydata_header({message.size(), data_});
    std::array<asio::const_buffer, 2> frame{asio::buffer(header), message};
    while (frame[0].size() + frame[1].size() > 0) {
      const std::size_t n = socket_write(socket_->native_handle(), timeouts_, frame, until, ec);
      if (ec) return give_up(ec);
      const std::size_t first = std::min(n, frame[0].size());
      frame[0] += first;
      frame[1] += n - first;
    }
    std::uint8_t answer = 0;
    socket_read(socket_->native_handle(), timeouts_, &answer, 1, until, ec);
    if (ec) return give_up(ec);
    ec = take_answer(answer);
  }

  void async_send(asio::const_buffer message, size_completion done) override {
    std::error_code ec = check(message);
    if (!ec) ec = ensure_connected();
    if (ec) return post(std::move(done), ec);
    sending_ = true;
    header_ = encode_copydata_header({message.size(), data_});
    const std::array<asio::const_buffer, 2> frame{asio::buffer(header_), message};
    auto op = std::make_shared<size_completion>(std::move(done));
    asio::async_write(*socket_, frame,
                      [self = shared_from_this(), op, size = message.size()](
                          std::error_code e, std::size_t) {
                        if (e) return self->finish_async(*op, e, 0);
                        self->read_answer(op, size);
                      });
  }

  void cancel() override {
    std::error_code ignored;
    if (socket_) socket_->cancel(ignored);
  }

  void close() override {
    open_ = false;
    socket_.reset();
  }

  bool is_open() const override { return open_; }
  std::string endpoint() const override { return url_; }
  native_handle_type native_handle() const override {
    return socket_ ? const_cast<local_stream::socket&>(*socket_).native_handle() : -1;
  }

 private:
  std::error_code check(asio::const_buffer message) const {
    if (!open_) return make_error_code(errc::broken_pipe);
    // C9: refused here, before anything is sent.
    if (message.size() > max_) return make_error_code(errc::message_too_large);
    if (sending_) return make_error_code(errc::invalid_argument);  // one send at a time
    return {};
  }

  // After a send that gave up, the next one connects again; a reader that is
  // gone by then is this channel's broken_pipe, not a fresh not_found.
  std::error_code ensure_connected() {
    if (socket_) return {};
    std::error_code ec;
    auto socket = connect_local_socket(io_, place_, connect_options{}, ec);
    if (!socket) return ec == errc::not_found ? make_error_code(errc::broken_pipe, ec.value()) : ec;
    socket_.emplace(std::move(*socket));
    timeouts_ = {};
    return {};
  }

  // The connection is mid-frame or mid-answer: closed, so that the reader
  // drops the message it has not queued yet (C8).
  void give_up(std::error_code& ec) {
    socket_.reset();
    ec = map_error(ec);
  }

  std::error_code take_answer(std::uint8_t answer) {
    last_result_ = answer;
    switch (static_cast<copydata_answer>(answer)) {
      case copydata_answer::queued: return {};
      case copydata_answer::too_large: return make_error_code(errc::message_too_large);
      case copydata_answer::full: break;  // a Windows reader's answer only
    }
    socket_.reset();
    return make_error_code(errc::protocol_error);  // not a strait reader's answer
  }

  void read_answer(std::shared_ptr<size_completion> op, std::size_t size) {
    asio::async_read(*socket_, asio::buffer(&answer_, 1),
                     [self = shared_from_this(), op, size](std::error_code e, std::size_t) {
                       if (e) return self->finish_async(*op, e, 0);
                       const auto ec = self->take_answer(self->answer_);
                       self->finish_async(*op, ec, ec ? 0 : size);
                     });
  }

  void finish_async(size_completion& done, std::error_code ec, std::size_t n) {
    sending_ = false;
    if (ec && ec != errc::message_too_large) {
      const bool cancelled = ec == asio::error::operation_aborted;
      socket_.reset();
      ec = cancelled ? make_error_code(errc::operation_aborted) : map_error(ec);
      if (!open_) ec = make_error_code(errc::operation_aborted);
    }
    done(ec, n);
  }

  void post(size_completion done, std::error_code ec) {
    asio::post(io_, [done = std::move(done), ec]() mutable { done(ec, 0); });
  }

  asio::io_context& io_;
  socket_place place_;
  std::optional<local_stream::socket> socket_;
  std::string url_;
  std::uintptr_t data_;
  socket_timeouts timeouts_;
  std::array<std::byte, copydata_header_size> header_{};
  std::uint8_t answer_ = 0;
  bool sending_ = false;
  bool open_ = true;
};

}  // namespace

std::shared_ptr<channel_backend> connect_copydata(asio::io_context& io, const std::string& name,
                                                  const connect_options& options,
                                                  std::error_code& ec) {
  auto place = local_socket_place("copydata", name, ec);
  if (!place) return nullptr;
  auto socket = connect_local_socket(io, *place, options, ec);  // not_found: nobody reads (C5)
  if (!socket) return nullptr;
  std::size_t max = std::min(options.max_message_size, copydata_size_limit);
  if (const auto published = read_helper_number(*place, copydata_max_role); published > 0)
    max = std::min(max, published);
  ec = {};
  return std::make_shared<posix_copydata_writer>(io, std::move(*place), std::move(*socket),
                                                 "copydata://" + name, max, options.copydata_data);
}

std::shared_ptr<channel_backend> connect_copydata_window(asio::io_context&, const window_address&,
                                                         const std::string&,
                                                         const connect_options&,
                                                         std::error_code& ec) {
  ec = make_error_code(errc::not_supported);  // windows are a Windows thing
  note_failure("copydata://window/... sends to a Windows window: not supported on this platform");
  return nullptr;
}

}  // namespace strait::detail
