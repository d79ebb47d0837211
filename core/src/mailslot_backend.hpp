// Mailslots inside strait: the reader every platform implements, and the
// functions platform/<os>/mailslot_{reader,writer}.cpp provide.
//
// A platform reader only knows how to take one whole message from the
// system (fetch). This base keeps what was taken but not handed out yet, so
// that a short buffer takes nothing (M5) on the mailslot API and splits the
// message (C3) when the reader is used as a channel (strait::listen).
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <strait/mailslot.hpp>

#include "backend.hpp"

namespace strait::detail {

using message_completion = completion<void(std::error_code, std::vector<std::byte>)>;

class mailslot_reader : public channel_backend,
                        public std::enable_shared_from_this<mailslot_reader> {
 public:
  // What a receive into a buffer smaller than the message does.
  enum class short_buffer {
    keep,   // M5: fail with more_data, take nothing
    split,  // C3: fill the buffer, more_data, the rest next time
  };

  mailslot_reader(asio::io_context& io, std::string url, std::size_t max_message_size);

  std::size_t read(asio::mutable_buffer buffer, deadline until, short_buffer mode,
                   std::error_code& ec);
  std::vector<std::byte> read_message(deadline until, std::error_code& ec);
  void async_read(asio::mutable_buffer buffer, short_buffer mode, size_completion done);
  void async_read_message(message_completion done);

  std::optional<std::size_t> next_message_size(std::error_code& ec);
  std::size_t pending(std::error_code& ec);
  std::size_t max_message_size() const noexcept { return max_message_size_; }

  // Broadcasts reach this reader (set when it receives them: capabilities).
  void set_receives_broadcasts(bool on) noexcept { broadcasts_ = on; }
  // Runs when the reader closes, after the system object is gone.
  void on_close(std::function<void()> f) { on_close_ = std::move(f); }

  // ---- channel_backend: the reader as a one-way channel (M1) ----------------
  asio::any_io_executor get_executor() const override { return io_.get_executor(); }
  strait::capabilities capabilities() const override;
  std::size_t message_remaining() const override;
  void send(asio::const_buffer, deadline, std::error_code& ec) override;
  void async_send(asio::const_buffer, size_completion done) override;
  std::size_t receive(asio::mutable_buffer buffer, deadline until, std::error_code& ec) override {
    return read(buffer, until, short_buffer::split, ec);
  }
  void async_receive(asio::mutable_buffer buffer, size_completion done) override {
    async_read(buffer, short_buffer::split, std::move(done));
  }
  void cancel() override;
  void close() override;
  bool is_open() const override { return open_; }
  std::string endpoint() const override { return url_; }

 protected:
  // ---- what each platform provides -------------------------------------------
  // Waits up to `until` for the next message and takes it whole. A message
  // over the maximum (from a writer that did not check) is dropped and
  // reported as message_too_large.
  virtual std::vector<std::byte> fetch(deadline until, std::error_code& ec) = 0;
  // The same on the io_context; completes with operation_aborted after
  // cancel_fetch() unless a message was taken already.
  virtual void async_fetch(message_completion done) = 0;
  virtual void cancel_fetch() = 0;
  // The size of the next message in the system, nullopt when there is none.
  virtual std::optional<std::size_t> system_next_size(std::error_code& ec) = 0;
  // How many messages the system holds. May move them into hold() instead
  // and count them there (POSIX counts exactly that way).
  virtual std::size_t system_pending(std::error_code& ec) = 0;
  virtual void close_system() = 0;

  void hold(std::vector<std::byte> message) { held_.push_back(std::move(message)); }
  std::size_t held_count() const noexcept { return held_.size(); }
  void post(size_completion done, std::error_code ec, std::size_t n = 0);

  asio::io_context& io_;

 private:
  // Hands out the first held message into `buffer` (see short_buffer).
  std::size_t hand_out(asio::mutable_buffer buffer, short_buffer mode, std::error_code& ec);
  std::vector<std::byte> hand_out_message();

  std::string url_;
  std::size_t max_message_size_;
  bool broadcasts_ = false;
  bool open_ = true;
  bool reading_ = false;       // one async receive at a time
  std::deque<std::vector<std::byte>> held_;  // taken from the system, not handed out
  std::size_t offset_ = 0;     // of held_.front(), after a split receive (C3)
  unsigned epoch_ = 0;         // bumped by cancel()
  std::function<void()> on_close_;
};

// ---- platform/<os>/mailslot_reader.cpp ---------------------------------------

// Creates the local mailslot `name` (already validated) for one reader;
// already_exists while another reader holds it (M2).
std::shared_ptr<mailslot_reader> create_local_mailslot(asio::io_context& io,
                                                       const std::string& name,
                                                       std::size_t max_message_size,
                                                       std::error_code& ec);

// ---- platform/<os>/mailslot_writer.cpp ---------------------------------------

// A writer of the local mailslot `name`: not_found when nobody reads it.
// Its limit is the smaller of `options` and what the reader published (M3).
std::shared_ptr<channel_backend> connect_local_mailslot(asio::io_context& io,
                                                        const std::string& name,
                                                        const connect_options& options,
                                                        std::error_code& ec);

// ---- core/src/mailslot.cpp -----------------------------------------------------

std::shared_ptr<channel_backend> mailslot_connect(asio::io_context& io, const strait::endpoint& ep,
                                                  const connect_options& options,
                                                  std::error_code& ec);
std::shared_ptr<listener_backend> mailslot_listen(asio::io_context& io, const strait::endpoint& ep,
                                                  const listen_options& options,
                                                  std::error_code& ec);

}  // namespace strait::detail
