// copydata:// inside strait (see copydata.hpp). The reader is the same on
// every platform: a pump (platform/<os>/copydata_reader.cpp) runs on a thread
// of its own, takes each message from the system and puts it in the inbox
// here; the reader's channel hands messages out of the inbox. The pump stops
// taking messages while the inbox is full, so senders wait (and time out)
// instead of the reader's memory growing.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <strait/copydata.hpp>

#include "backend.hpp"
#include "pending_completions.hpp"

namespace strait::detail {

// The library's own access to a channel's backend (channel.hpp's friend).
struct channel_access {
  static channel_backend* backend(const channel& c) noexcept { return c.backend_.get(); }
};

// What the reader's side of a strait copydata:// send answers (the
// WM_COPYDATA LRESULT on Windows, the acknowledgement byte on POSIX).
enum class copydata_answer : std::uint8_t {
  queued = 1,     // the reader holds the message
  too_large = 2,  // over the reader's maximum: dropped (C9)
  full = 3,       // Windows: the reader holds copydata_queue_limit messages and took
                  // none; the writer sends again, which waits until the reader has room
};

struct copydata_entry {
  std::uintptr_t data = 0;
  std::vector<std::byte> bytes;
};

// Messages taken by the pump, not yet received. Shared by the pump's thread
// and the reader's channel; everything under one mutex.
class copydata_inbox final : public keeps_completions {
 public:
  copydata_inbox(asio::any_io_executor executor, std::size_t max_message_size)
      : executor_(std::move(executor)), max_message_size_(max_message_size) {}

  std::size_t max_message_size() const noexcept { return max_message_size_; }

  // Pump: waits until the inbox has room; false once the reader closes.
  bool wait_for_room();
  // Pump: whether it has room now (and the reader is open).
  bool has_room();
  // Pump: whether the open reader holds copydata_queue_limit messages.
  bool full();
  // Pump: queues a message (after wait_for_room); a waiting receive takes
  // it. False when the reader is closing: the message is not taken.
  bool put(copydata_entry entry);
  // The waiting receive waits for the pump, not the io_context.
  void drop_completions() noexcept override;

 private:
  friend class copydata_reader;

  // Hands out the front message into `buffer`; more_data keeps the rest (C3).
  std::size_t hand_out(asio::mutable_buffer buffer, std::error_code& ec);
  void complete_waiting(std::error_code ec, std::size_t n);

  asio::any_io_executor executor_;
  std::size_t max_message_size_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<copydata_entry> queued_;
  std::size_t offset_ = 0;  // of queued_.front(), after a split receive (C3)
  std::uintptr_t last_data_ = 0;
  bool closing_ = false;
  // The async receive waiting for a message.
  asio::mutable_buffer waiting_buffer_;
  size_completion waiting_;
};

// What a platform pump gives the reader: a way to stop it, and its handle.
class copydata_pump {
 public:
  virtual ~copydata_pump() = default;
  // Stops taking messages, frees the name and joins the pump's thread.
  virtual void stop() = 0;
  virtual native_handle_type native_handle() const = 0;
};

// The reader's channel: receive-only (M1 rules), whole messages as queued.
class copydata_reader final : public channel_backend,
                              public std::enable_shared_from_this<copydata_reader> {
 public:
  copydata_reader(asio::io_context& io, std::string url, std::shared_ptr<copydata_inbox> inbox,
                  std::unique_ptr<copydata_pump> pump);
  ~copydata_reader() override { close(); }

  std::uintptr_t last_data() const;

  asio::any_io_executor get_executor() const override { return io_.get_executor(); }
  strait::capabilities capabilities() const override;
  std::size_t message_remaining() const override;
  void send(asio::const_buffer, deadline, std::error_code& ec) override;
  void async_send(asio::const_buffer, size_completion done) override;
  std::size_t receive(asio::mutable_buffer buffer, deadline until, std::error_code& ec) override;
  void async_receive(asio::mutable_buffer buffer, size_completion done) override;
  void cancel() override;
  void close() override;
  bool is_open() const override { return open_; }
  std::string endpoint() const override { return url_; }
  native_handle_type native_handle() const override;

 private:
  void post(size_completion done, std::error_code ec, std::size_t n = 0);

  asio::io_context& io_;
  std::string url_;
  std::shared_ptr<copydata_inbox> inbox_;
  std::unique_ptr<copydata_pump> pump_;
  bool open_ = true;
};

// A copydata://window/ address: CLASS and TITLE decoded (%XX escapes). The
// class is 1 to 256 bytes; neither holds a NUL.
struct window_address {
  std::string class_name;
  std::optional<std::string> title;
};
// `text` is what follows "copydata://window/". On failure `why` says what is wrong.
std::optional<window_address> parse_window_address(std::string_view text,
                                                   std::string* why = nullptr);

// ---- platform/<os>/copydata_reader.cpp ------------------------------------

// Starts the pump of copydata://NAME (validated) feeding `inbox`:
// already_exists while another reader holds NAME (C7), a crashed one's is reclaimed.
std::unique_ptr<copydata_pump> start_copydata_pump(const std::string& name,
                                                   std::shared_ptr<copydata_inbox> inbox,
                                                   std::error_code& ec);

// ---- platform/<os>/copydata_writer.cpp ------------------------------------

// A writer of copydata://NAME: not_found when nobody reads it (C5).
std::shared_ptr<channel_backend> connect_copydata(asio::io_context& io, const std::string& name,
                                                  const connect_options& options,
                                                  std::error_code& ec);
// A writer to copydata://window/... (not_supported on POSIX).
std::shared_ptr<channel_backend> connect_copydata_window(asio::io_context& io,
                                                         const window_address& window,
                                                         const std::string& url,
                                                         const connect_options& options,
                                                         std::error_code& ec);

// Writers on every platform derive from this: one-way (M1 rules), and
// copydata_last_result().
class copydata_writer : public channel_backend {
 public:
  explicit copydata_writer(std::size_t max_message_size) : max_(max_message_size) {}

  std::intptr_t last_result() const noexcept { return last_result_; }

  strait::capabilities capabilities() const override;
  std::size_t receive(asio::mutable_buffer, deadline, std::error_code& ec) override;
  void async_receive(asio::mutable_buffer, size_completion done) override;

 protected:
  std::size_t max_;
  std::intptr_t last_result_ = 0;
};

// ---- core/src/copydata.cpp ------------------------------------------------

std::shared_ptr<channel_backend> copydata_connect(asio::io_context& io, const strait::endpoint& ep,
                                                  const connect_options& options,
                                                  std::error_code& ec);
std::shared_ptr<listener_backend> copydata_listen(asio::io_context& io, const strait::endpoint& ep,
                                                  const listen_options& options,
                                                  std::error_code& ec);

}  // namespace strait::detail
