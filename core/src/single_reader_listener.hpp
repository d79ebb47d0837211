// The listener of a one-reader transport (mailslot://, copydata://).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include <asio/post.hpp>

#include "backend.hpp"

namespace strait::detail {

// strait::listen() of a transport with one reader and no connections
// (mailslot://, copydata://): the first accept hands out the reader as a
// receive-only channel; there are no other clients, so later accepts wait
// until the listener closes (or their timeout).
class single_reader_listener final : public listener_backend,
                                     public std::enable_shared_from_this<single_reader_listener> {
 public:
  single_reader_listener(std::shared_ptr<channel_backend> reader, std::string url)
      : reader_(std::move(reader)), url_(std::move(url)) {}

  ~single_reader_listener() override { close(); }

  asio::any_io_executor get_executor() const override { return reader_->get_executor(); }
  std::string endpoint() const override { return url_; }
  bool is_open() const override { return !closed_; }

  std::shared_ptr<channel_backend> accept(deadline until, std::error_code& ec) override {
    std::unique_lock lock(mutex_);
    if (!closed_ && !handed_out_) {
      handed_out_ = true;
      ec = {};
      return reader_;
    }
    const auto stop = [this] { return closed_; };
    if (until == no_deadline)
      changed_.wait(lock, stop);
    else if (!changed_.wait_until(lock, until, stop)) {
      ec = make_error_code(errc::timed_out);  // C8
      return nullptr;
    }
    ec = make_error_code(errc::operation_aborted);
    return nullptr;
  }

  void async_accept(accept_completion done) override {
    std::unique_lock lock(mutex_);
    if (closed_) return complete(std::move(done), make_error_code(errc::operation_aborted));
    if (!handed_out_) {
      handed_out_ = true;
      return complete(std::move(done), {}, reader_);
    }
    if (waiting_) return complete(std::move(done), make_error_code(errc::invalid_argument));
    waiting_ = std::move(done);
  }

  void cancel() override {
    std::unique_lock lock(mutex_);
    if (waiting_) complete(std::move(waiting_), make_error_code(errc::operation_aborted));
    waiting_ = {};
  }

  void close() override {
    {
      std::unique_lock lock(mutex_);
      if (closed_) return;
      closed_ = true;
      // Nobody took the reader: the name is free again. A handed-out reader
      // belongs to its channel now.
      if (!handed_out_) reader_->close();
    }
    changed_.notify_all();
    cancel();
  }

 private:
  void complete(accept_completion done, std::error_code ec,
                std::shared_ptr<channel_backend> channel = nullptr) {
    asio::post(reader_->get_executor(),
               [done = std::move(done), ec, channel = std::move(channel)]() mutable {
                 done(ec, std::move(channel));
               });
  }

  std::shared_ptr<channel_backend> reader_;
  std::string url_;
  std::mutex mutex_;  // a sync accept may wait on one thread while another closes
  std::condition_variable changed_;
  bool handed_out_ = false;
  bool closed_ = false;
  accept_completion waiting_;
};

}  // namespace strait::detail
