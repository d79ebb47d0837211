// The reading end of copydata:// on POSIX (see copydata.hpp): an AF_UNIX
// stream socket "copydata.NAME" in the per-user runtime directory (0700, the
// socket 0600: N2), served by a thread of the reader's own, as a Windows
// reader's window is pumped by one.
//
// Each writer connection carries frames (docs/wire-format.md): a header of
// payload length and dwData, the payload, then one answer byte from the
// reader once the message is queued. The pump stops reading while the inbox
// is full, so writers wait for their answer and time out; a writer that gave
// up (closed its end) before its message was queued has it dropped, as
// Windows drops a send that timed out before the window took it.
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <thread>

#include <asio/read.hpp>
#include <asio/write.hpp>

#include "copydata_backend.hpp"
#include "copydata_frame.hpp"
#include "local_socket.hpp"

namespace strait::detail {
namespace {

constexpr std::size_t read_chunk = 64 * 1024;

// One writer's connection: frames in, answers out.
class copydata_session : public std::enable_shared_from_this<copydata_session> {
 public:
  copydata_session(local_stream::socket socket, std::shared_ptr<copydata_inbox> inbox)
      : socket_(std::move(socket)), inbox_(std::move(inbox)) {}

  // The pump is stopping: a writer waiting for its answer sees broken_pipe now.
  void close() {
    std::error_code ignored;
    socket_.close(ignored);
  }

  void read_header() {
    asio::async_read(socket_, asio::buffer(header_),
                     [self = shared_from_this()](std::error_code ec, std::size_t) {
                       if (!ec) self->start_payload();
                     });
  }

 private:
  void start_payload() {
    const auto header = decode_copydata_header(header_);
    // A writer that ignored the published maximum: it is not read (memory
    // bound), the connection ends and the writer sees broken_pipe.
    if (header.length > inbox_->max_message_size()) return;
    entry_ = {header.data, {}};
    length_ = header.length;
    entry_.bytes.reserve(std::min<std::size_t>(length_, read_chunk));
    read_payload();
  }

  // In chunks: a writer's header alone never makes the reader hold memory
  // it did not send (threat model: "cannot hold memory beyond what it sent").
  void read_payload() {
    const std::size_t have = entry_.bytes.size();
    if (have == length_) return deliver();
    const std::size_t step = std::min(read_chunk, static_cast<std::size_t>(length_) - have);
    entry_.bytes.resize(have + step);
    asio::async_read(socket_, asio::buffer(entry_.bytes.data() + have, step),
                     [self = shared_from_this()](std::error_code ec, std::size_t) {
                       if (!ec) self->read_payload();
                     });
  }

  void deliver() {
    // Blocks the pump while the inbox is full: no writer is answered, as no
    // sent message is taken by a Windows window thread that is not pumping.
    if (!inbox_->wait_for_room() || writer_gave_up() || !inbox_->put(std::move(entry_))) return;
    answer_ = static_cast<std::uint8_t>(copydata_answer::queued);
    asio::async_write(socket_, asio::buffer(&answer_, 1),
                      [self = shared_from_this()](std::error_code ec, std::size_t) {
                        if (!ec) self->read_header();
                      });
  }

  // The writer waits for its answer with its end open; closed, it timed out
  // or was cancelled, and its message must not arrive after all (C8).
  bool writer_gave_up() {
    char probe = 0;
    for (;;) {
      const auto n = ::recv(socket_.native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
    }
  }

  local_stream::socket socket_;
  std::shared_ptr<copydata_inbox> inbox_;
  std::array<std::byte, copydata_header_size> header_{};
  std::uint64_t length_ = 0;
  copydata_entry entry_;
  std::uint8_t answer_ = 0;
};

class posix_copydata_pump final : public copydata_pump {
 public:
  posix_copydata_pump(socket_place place, std::shared_ptr<copydata_inbox> inbox)
      : place_(std::move(place)), inbox_(std::move(inbox)) {}

  ~posix_copydata_pump() override { stop(); }

  bool start(std::error_code& ec) {
    auto binding = bind_local_socket(io_, place_, ec);
    if (!binding) return false;
    acceptor_.emplace(std::move(binding->acceptor));
    lock_ = std::move(binding->lock);
    // C9: writers refuse what the reader would not take, before sending.
    if ((ec = publish_helper(place_, copydata_max_role,
                             std::to_string(inbox_->max_message_size())))) {
      release();
      return false;
    }
    accept();
    thread_ = std::thread([this] { io_.run(); });
    return true;
  }

  void stop() override {
    if (!thread_.joinable()) return;
    io_.stop();  // the inbox is closing: a pump blocked on room returns first
    thread_.join();
    for (const auto& weak : sessions_)
      if (const auto session = weak.lock()) session->close();
    sessions_.clear();
    release();
  }

  native_handle_type native_handle() const override {
    return acceptor_ ? const_cast<local_stream::acceptor&>(*acceptor_).native_handle() : -1;
  }

 private:
  void accept() {
    acceptor_->async_accept([this](std::error_code ec, local_stream::socket socket) {
      if (ec) return;
      auto session = std::make_shared<copydata_session>(std::move(socket), inbox_);
      std::erase_if(sessions_, [](const auto& weak) { return weak.expired(); });
      sessions_.push_back(session);
      session->read_header();
      accept();
    });
  }

  void release() {
    if (acceptor_) {
      std::error_code ignored;
      acceptor_->close(ignored);
    }
    ::unlinkat(place_.directory->fd(), place_.helper(copydata_max_role).c_str(), 0);
    lock_.release();  // removes the socket file and the lock: the name is free (C7)
  }

  socket_place place_;
  std::shared_ptr<copydata_inbox> inbox_;
  asio::io_context io_{1};
  std::optional<local_stream::acceptor> acceptor_;
  name_lock lock_;
  std::vector<std::weak_ptr<copydata_session>> sessions_;  // touched by the pump's thread, then stop()
  std::thread thread_;
};

}  // namespace

std::unique_ptr<copydata_pump> start_copydata_pump(const std::string& name,
                                                   std::shared_ptr<copydata_inbox> inbox,
                                                   std::error_code& ec) {
  auto place = local_socket_place("copydata", name, ec);
  if (!place) return nullptr;
  auto pump = std::make_unique<posix_copydata_pump>(std::move(*place), std::move(inbox));
  if (!pump->start(ec)) return nullptr;
  ec = {};
  return pump;
}

}  // namespace strait::detail
