// A listener that accepts stream sockets and turns each into a stream_channel.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <asio/error.hpp>

#include "asio_errors.hpp"
#include "backend.hpp"
#include "socket_support.hpp"
#include "stream_channel.hpp"

namespace strait::detail {

template <class Protocol>
class stream_listener final : public listener_backend,
                              public std::enable_shared_from_this<stream_listener<Protocol>> {
 public:
  using acceptor_type = typename Protocol::acceptor;
  using socket_type = typename Protocol::socket;
  // Prepares an accepted socket (options) and says who is at the other end.
  using adopt_function = peer_info (*)(socket_type&);

  stream_listener(acceptor_type acceptor, std::string url, std::size_t max_message_size,
                  adopt_function adopt, std::function<void()> release_name = {})
      : acceptor_(std::move(acceptor)),
        url_(std::move(url)),
        max_message_size_(max_message_size),
        adopt_(adopt),
        release_name_(std::move(release_name)) {
    std::error_code ignored;
    acceptor_.non_blocking(true, ignored);  // sync accept waits in wait_socket (C8)
  }

  ~stream_listener() override { close(); }

  asio::any_io_executor get_executor() const override {
    return const_cast<acceptor_type&>(acceptor_).get_executor();
  }
  std::string endpoint() const override { return url_; }
  bool is_open() const override { return acceptor_.is_open(); }

  std::shared_ptr<channel_backend> accept(deadline until, std::error_code& ec) override {
    for (;;) {
      socket_type socket(acceptor_.get_executor());
      std::error_code e;
      acceptor_.accept(socket, e);
      if (!e) {
        ec = {};
        return make_channel(std::move(socket));
      }
      // A client that gave up before we accepted it is not our failure.
      if (!is_asio_error(e, asio::error::would_block) &&
          !is_asio_error(e, asio::error::try_again) &&
          !is_asio_error(e, asio::error::interrupted) &&
          !is_asio_error(e, asio::error::connection_aborted)) {
        ec = acceptor_.is_open() ? map_error(e) : make_error_code(errc::operation_aborted);
        return nullptr;
      }
      if ((ec = wait_socket(acceptor_.native_handle(), socket_wait::read, until)))
        return nullptr;
    }
  }

  void async_accept(accept_completion done) override {
    acceptor_.async_accept([self = this->shared_from_this(), done = std::move(done)](
                               const std::error_code& e, socket_type socket) mutable {
      if (is_asio_error(e, asio::error::connection_aborted))
        return self->async_accept(std::move(done));
      if (e) return done(map_error(e), nullptr);
      done({}, self->make_channel(std::move(socket)));
    });
  }

  void cancel() override {
    std::error_code ignored;
    acceptor_.cancel(ignored);
  }

  void close() override {
    if (!acceptor_.is_open()) return;
    // The name goes first: a connect in between finds nothing (not_found),
    // not a closed socket's refusal that reads as busy (C5).
    if (release_name_) std::exchange(release_name_, {})();
    std::error_code ignored;
    acceptor_.close(ignored);
  }

 private:
  std::shared_ptr<channel_backend> make_channel(socket_type socket) {
    auto peer = adopt_(socket);
    return std::make_shared<stream_channel<Protocol>>(std::move(socket), url_,
                                                      max_message_size_, std::move(peer));
  }

  acceptor_type acceptor_;
  std::string url_;
  std::size_t max_message_size_;
  adopt_function adopt_;
  std::function<void()> release_name_;  // C7: frees the name when serving stops
};

}  // namespace strait::detail
