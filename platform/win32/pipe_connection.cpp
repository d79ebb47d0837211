// A connected end of pipe:// on Windows (either side), and the client's connect.
//
// Async I/O is overlapped ReadFile/WriteFile completed through the
// io_context's I/O completion port (asio::windows::overlapped_ptr); asio's
// stream_handle is only the port registration and owner of the handle, as it
// skips zero-byte reads and writes and a zero-length message is real (C1).
// Sync I/O overlaps on the same handle with a private event (run_overlapped).
#include <windows.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>
#include <vector>

#include <asio/post.hpp>
#include <asio/windows/overlapped_ptr.hpp>
#include <asio/windows/stream_handle.hpp>

#include "pipe.hpp"
#include "security.hpp"

namespace strait::detail {
namespace {

// The outcome of one overlapped operation waited for synchronously.
struct sync_result {
  DWORD error = 0;  // 0, or the Win32 error (ERROR_MORE_DATA is a partial read)
  DWORD bytes = 0;
  bool timed_out = false;
};

// Runs one overlapped ReadFile/WriteFile to its end or to `until` (C8). The
// event's low bit is set so that no completion packet reaches the io_context's
// port: this operation belongs to the calling thread alone. On timeout the
// operation is cancelled; if it completed anyway its result stands, so a
// timed-out receive loses nothing.
template <class Start>
sync_result run_overlapped(HANDLE pipe, HANDLE event, deadline until, Start start) {
  OVERLAPPED ov{};
  ov.hEvent = reinterpret_cast<HANDLE>(reinterpret_cast<ULONG_PTR>(event) | 1);
  if (!start(&ov)) {
    const DWORD e = ::GetLastError();
    // An immediate failure leaves `ov` untouched (Internal still STATUS_PENDING):
    // there is nothing to wait for.
    if (e != ERROR_IO_PENDING && e != ERROR_MORE_DATA) return {e, 0, false};
  }
  bool cancelled = false;
  if (!HasOverlappedIoCompleted(&ov) && !wait_until(event, until)) {
    ::CancelIoEx(pipe, &ov);
    cancelled = true;
  }
  DWORD n = 0;
  const DWORD e = ::GetOverlappedResult(pipe, &ov, &n, TRUE) ? 0 : ::GetLastError();
  return {e, n, cancelled && e == ERROR_OPERATION_ABORTED};
}

// The Win32 error of an overlapped_ptr completion (system category).
DWORD native_of(const std::error_code& e) noexcept { return static_cast<DWORD>(e.value()); }

std::error_code io_error_of(DWORD e) {
  return e == ERROR_OPERATION_ABORTED ? make_error_code(errc::operation_aborted, static_cast<int>(e))
                                      : map_system_error(static_cast<int>(e));
}

class named_pipe_channel final : public channel_backend,
                                 public std::enable_shared_from_this<named_pipe_channel> {
 public:
  named_pipe_channel(asio::io_context& io, std::string url, bool remote,
                     std::size_t max_message_size, pipe_end end,
                     std::function<void()> on_close)
      : io_(io),
        handle_(io),
        url_(std::move(url)),
        remote_(remote),
        end_(end),
        max_message_size_(std::min<std::size_t>(max_message_size, MAXDWORD)),
        on_close_(std::move(on_close)) {}

  ~named_pipe_channel() override { close(); }

  // Takes `pipe` onto the io_context's port; fails when it cannot. `peer`,
  // when given, is the process at the other end (else the pipe is asked).
  std::error_code adopt(unique_handle pipe, std::optional<peer_info> peer = std::nullopt) {
    send_event_.reset(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    receive_event_.reset(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    if (!send_event_ || !receive_event_) return last_system_error();
    std::error_code e;
    handle_.assign(pipe.get(), e);
    if (e) return map_error(e);
    pipe.release();
    peer_ = peer ? std::move(*peer) : ask_peer();
    return {};
  }

  asio::any_io_executor get_executor() const override { return io_.get_executor(); }

  strait::capabilities capabilities() const override {
    strait::capabilities caps;
    caps.cross_machine = remote_;
    caps.max_message_size = max_message_size_;
    return caps;
  }

  std::size_t message_remaining() const override { return remaining_; }
  peer_info peer() const override { return peer_; }
  std::string endpoint() const override { return url_; }
  native_handle_type native_handle() const override { return pipe(); }
  bool is_open() const override { return handle_.is_open(); }

  void cancel() override {
    ++cancel_epoch_;
    // Only our own operations: a sync call on another thread keeps going.
    if (send_pending_) ::CancelIoEx(pipe(), send_pending_);
    if (receive_pending_) ::CancelIoEx(pipe(), receive_pending_);
  }

  void close() override {
    if (!handle_.is_open()) return;
    ++cancel_epoch_;
    // Pending operations end with operation_aborted. What was written stays
    // readable by the peer, then it sees broken_pipe (C4): no
    // DisconnectNamedPipe, which would discard it.
    ::CancelIoEx(pipe(), nullptr);
    std::error_code ignored;
    handle_.close(ignored);
    if (on_close_) std::exchange(on_close_, {})();
  }

  // ---- send ---------------------------------------------------------------

  void send(asio::const_buffer message, deadline until, std::error_code& ec) override {
    if ((ec = check_send(message))) return;
    const auto r = run_overlapped(pipe(), send_event_.get(), until, [&](OVERLAPPED* ov) {
      return ::WriteFile(pipe(), message.data(), static_cast<DWORD>(message.size()), nullptr, ov);
    });
    if (r.timed_out) {
      if (r.bytes > 0) send_broken_ = true;  // part of it was read: it cannot be taken back
      ec = make_error_code(errc::timed_out);
      return;
    }
    ec = r.error ? map_system_error(static_cast<int>(r.error)) : std::error_code{};
  }

  void async_send(asio::const_buffer message, size_completion done) override {
    std::error_code ec = check_send(message);
    if (!ec && sending_) ec = make_error_code(errc::invalid_argument);  // one at a time
    if (ec) return post_completion(std::move(done), ec);
    sending_ = true;
    start_overlapped(
        send_pending_,
        [&](OVERLAPPED* ov) {
          return ::WriteFile(pipe(), message.data(), static_cast<DWORD>(message.size()),
                             nullptr, ov);
        },
        [self = shared_from_this(), size = message.size(), done = std::move(done)](
            const std::error_code& e, std::size_t n) mutable {
          self->send_pending_ = nullptr;
          self->sending_ = false;
          const auto result = self->sent(native_of(e), n);
          done(result, result ? 0 : size);
        });
  }

  // ---- receive ------------------------------------------------------------

  std::size_t receive(asio::mutable_buffer buffer, deadline until,
                      std::error_code& ec) override {
    if ((ec = check_receive())) return 0;
    while (discarding_) {
      const auto r = read_sync(scratch(), until);
      if (r.timed_out) {
        ec = make_error_code(errc::timed_out);
        return 0;
      }
      if ((ec = discarded(r.error))) return 0;
    }
    const auto r = read_sync(buffer, until);
    if (r.timed_out) {
      ec = make_error_code(errc::timed_out);
      return 0;
    }
    std::size_t n = r.bytes;
    ec = received(r.error, n);
    return n;
  }

  void async_receive(asio::mutable_buffer buffer, size_completion done) override {
    std::error_code ec = check_receive();
    if (!ec && receiving_) ec = make_error_code(errc::invalid_argument);  // one at a time
    if (ec) return post_completion(std::move(done), ec);
    receiving_ = true;
    read_next(std::make_shared<receive_op>(receive_op{buffer, cancel_epoch_, std::move(done)}));
  }

 private:
  struct receive_op {
    asio::mutable_buffer buffer;
    unsigned epoch = 0;
    size_completion done;
  };

  static constexpr std::size_t scratch_size = 64 * 1024;

  HANDLE pipe() const noexcept {
    return const_cast<asio::windows::stream_handle&>(handle_).native_handle();
  }

  std::error_code check_send(asio::const_buffer message) const {
    if (message.size() > max_message_size_) return make_error_code(errc::message_too_large);  // C9
    if (send_broken_ || !handle_.is_open()) return make_error_code(errc::broken_pipe);
    return {};
  }

  std::error_code check_receive() const {
    return handle_.is_open() ? std::error_code{} : make_error_code(errc::broken_pipe);
  }

  void post_completion(size_completion done, std::error_code ec, std::size_t n = 0) {
    asio::post(io_, [done = std::move(done), ec, n]() mutable { done(ec, n); });
  }

  // Starts one overlapped operation whose result the io_context's port
  // delivers to `handler`; `pending` names it for cancel() meanwhile.
  template <class Start, class Handler>
  void start_overlapped(OVERLAPPED*& pending, Start start, Handler handler) {
    asio::windows::overlapped_ptr op(io_, std::move(handler));
    pending = op.get();
    if (!start(op.get())) {
      const DWORD e = ::GetLastError();
      if (e != ERROR_IO_PENDING && e != ERROR_MORE_DATA) {
        pending = nullptr;
        // Posted through the port like any completion: never inline (backend rules).
        op.complete(std::error_code(static_cast<int>(e), asio::error::get_system_category()), 0);
        return;
      }
    }
    // Pending, or done already: without FILE_SKIP_COMPLETION_PORT_ON_SUCCESS
    // the port gets a packet either way (ERROR_MORE_DATA included).
    op.release();
  }

  // What a finished write means. A write cancelled after part of it was
  // read cannot be taken back: the send side is unusable from then on.
  std::error_code sent(DWORD e, std::size_t n) {
    if (!handle_.is_open()) return make_error_code(errc::operation_aborted);
    if (e == ERROR_OPERATION_ABORTED && n > 0) send_broken_ = true;
    return e ? io_error_of(e) : std::error_code{};
  }

  asio::mutable_buffer scratch() {
    if (scratch_.empty()) scratch_.resize(scratch_size);
    return asio::buffer(scratch_);
  }

  sync_result read_sync(asio::mutable_buffer buffer, deadline until) {
    return run_overlapped(pipe(), receive_event_.get(), until, [&](OVERLAPPED* ov) {
      return ::ReadFile(pipe(), buffer.data(), read_size(buffer), nullptr, ov);
    });
  }

  static DWORD read_size(asio::mutable_buffer buffer) noexcept {
    return static_cast<DWORD>(std::min<std::size_t>(buffer.size(), MAXDWORD));
  }

  // Bytes of the current message the pipe still holds after a partial read.
  std::size_t peek_message_left() const noexcept {
    DWORD left = 0;
    return ::PeekNamedPipe(pipe(), nullptr, 0, nullptr, nullptr, &left) ? left : 0;
  }

  // What a finished read of `n` bytes into the caller's buffer means.
  std::error_code received(DWORD e, std::size_t& n) {
    if (e == 0) {  // the end of a message
      const std::size_t size = taken_ + n;
      taken_ = remaining_ = 0;
      if (size > max_message_size_) {  // C9, with nothing left to drop
        n = 0;
        return make_error_code(errc::message_too_large);
      }
      return {};
    }
    if (e == ERROR_MORE_DATA) {  // C3: the buffer is full, the rest comes next
      taken_ += n;
      remaining_ = peek_message_left();
      if (taken_ + remaining_ > max_message_size_) {
        // C9: the rest is dropped by the next receive, so the channel goes on
        // with the message after it.
        discarding_ = true;
        taken_ = remaining_ = 0;
        n = 0;
        return make_error_code(errc::message_too_large);
      }
      return make_error_code(errc::more_data, static_cast<int>(e));
    }
    n = 0;
    return io_error_of(e);  // 109/233 broken_pipe (C4), 995 operation_aborted
  }

  // One read of an oversized message's rest: done at the message's end.
  std::error_code discarded(DWORD e) {
    if (e == 0) discarding_ = false;
    return e == 0 || e == ERROR_MORE_DATA ? std::error_code{} : io_error_of(e);
  }

  // The next read of an async receive: the rest of an oversized message
  // first, then the message the caller asked for.
  void read_next(std::shared_ptr<receive_op> op) {
    if (op->epoch != cancel_epoch_)
      return finish_receive(*op, make_error_code(errc::operation_aborted), 0);
    const bool discard = discarding_;
    const auto target = discard ? scratch() : op->buffer;
    start_overlapped(
        receive_pending_,
        [&](OVERLAPPED* ov) {
          return ::ReadFile(pipe(), target.data(), read_size(target), nullptr, ov);
        },
        [self = shared_from_this(), op, discard](const std::error_code& e, std::size_t n) {
          self->receive_pending_ = nullptr;
          if (!self->handle_.is_open())
            return self->finish_receive(*op, make_error_code(errc::operation_aborted), 0);
          if (discard) {
            if (auto ec = self->discarded(native_of(e))) return self->finish_receive(*op, ec, 0);
            return self->read_next(op);
          }
          const auto ec = self->received(native_of(e), n);
          self->finish_receive(*op, ec, n);
        });
  }

  void finish_receive(receive_op& op, std::error_code ec, std::size_t n) {
    receiving_ = false;
    op.done(ec, n);
  }

  // The process at the other end, asked once while it is surely connected.
  peer_info ask_peer() const {
    peer_info peer;
    ULONG pid = 0;
    const BOOL ok = end_ == pipe_end::server ? ::GetNamedPipeClientProcessId(pipe(), &pid)
                                             : ::GetNamedPipeServerProcessId(pipe(), &pid);
    if (ok && pid != 0) {
      peer.pid = pid;
      if (!remote_) peer.user = process_user_sid(pid);
    }
    return peer;
  }

  asio::io_context& io_;
  asio::windows::stream_handle handle_;  // owns the pipe handle, on the port
  std::string url_;
  bool remote_;
  pipe_end end_;
  std::size_t max_message_size_;
  std::function<void()> on_close_;
  peer_info peer_;

  unique_handle send_event_, receive_event_;  // for the sync calls
  OVERLAPPED* send_pending_ = nullptr;        // the async operations in flight
  OVERLAPPED* receive_pending_ = nullptr;
  bool sending_ = false;
  bool receiving_ = false;
  bool send_broken_ = false;
  unsigned cancel_epoch_ = 0;  // bumped by cancel(): a receive between two reads stops

  std::size_t taken_ = 0;      // bytes of the current message handed out so far
  std::size_t remaining_ = 0;  // bytes of it still in the pipe, after a more_data
  bool discarding_ = false;    // the rest of an oversized message is to be dropped (C9)
  std::vector<std::byte> scratch_;
};

// C5: nobody serves the name: not_found at once. Every instance busy:
// pipe_busy at once, or with a timeout, WaitNamedPipe for a free instance
// and try again until the deadline, then timed_out.
//
// Once the pipe was seen busy, no instance at all is usually a listener
// between two instances (at its max_instances it can make the next one only
// after one closed, as soon as its thread runs), and possibly a server gone:
// the caller asked to wait, so that too is retried until the deadline, which
// then reports not_found. A fixed grace instead failed on a loaded machine.
unique_handle open_pipe(const std::wstring& path, bool may_wait, deadline until,
                        std::error_code& ec) {
  bool seen_busy = false;
  for (;;) {
    // SECURITY_IDENTIFICATION: the server may learn who we are, not act as us.
    unique_handle pipe(::CreateFileW(path.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr,
                                     OPEN_EXISTING,
                                     FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT |
                                         SECURITY_IDENTIFICATION,
                                     nullptr));
    if (pipe) {
      ec = {};
      return pipe;
    }
    const DWORD e = ::GetLastError();
    const bool between_instances = e == ERROR_FILE_NOT_FOUND && seen_busy;
    if (!between_instances && (e != ERROR_PIPE_BUSY || !may_wait)) {
      ec = map_system_error(static_cast<int>(e));
      return {};
    }
    seen_busy = true;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - clock::now());
    if (left.count() <= 0) {
      ec = between_instances ? map_system_error(static_cast<int>(e))
                             : make_error_code(errc::timed_out, ERROR_SEM_TIMEOUT);
      return {};
    }
    const auto ms = static_cast<DWORD>(std::min<std::int64_t>(left.count(), INFINITE - 1));
    // Wine's WaitNamedPipe fails at once (error 676) when no instance is
    // listening rather than waiting as Windows does, and both fail at once
    // with no instance at all: poll until the deadline then.
    if (between_instances || (!::WaitNamedPipeW(path.c_str(), ms) &&
                              ::GetLastError() != ERROR_SEM_TIMEOUT))
      ::Sleep(std::min<DWORD>(ms, 10));
  }
}

}  // namespace

std::wstring pipe_path(const strait::endpoint& ep) {
  // Names and server names are ASCII by the grammar (N1): widening is exact.
  const std::string server = ep.host.empty() ? "." : ep.host;
  const std::string path = "\\\\" + server + "\\pipe\\" + ep.name;
  return {path.begin(), path.end()};
}

std::shared_ptr<channel_backend> make_pipe_channel(asio::io_context& io, unique_handle pipe,
                                                   const strait::endpoint& ep,
                                                   std::size_t max_message_size, pipe_end end,
                                                   std::function<void()> on_close,
                                                   std::error_code& ec) {
  auto channel = std::make_shared<named_pipe_channel>(io, ep.url(), !ep.host.empty(),
                                                      max_message_size, end, std::move(on_close));
  if ((ec = channel->adopt(std::move(pipe)))) return nullptr;
  return channel;
}

std::shared_ptr<channel_backend> make_unnamed_pipe_channel(asio::io_context& io,
                                                           unique_handle pipe, std::string url,
                                                           std::size_t max_message_size,
                                                           pipe_end end,
                                                           std::optional<peer_info> peer,
                                                           std::error_code& ec) {
  auto channel = std::make_shared<named_pipe_channel>(io, std::move(url), false, max_message_size,
                                                      end, std::function<void()>{});
  if ((ec = channel->adopt(std::move(pipe), std::move(peer)))) return nullptr;
  return channel;
}

std::shared_ptr<channel_backend> pipe_connect(asio::io_context& io, const strait::endpoint& ep,
                                              const connect_options& options,
                                              std::error_code& ec) {
  auto pipe = open_pipe(pipe_path(ep), options.timeout.has_value(),
                        deadline_after(options.timeout), ec);
  if (ec) return nullptr;
  // N2: only a server of the expected user gets our messages. Across machines
  // the pid means nothing here; the remote server authenticated the session.
  if (ep.host.empty()) {
    ULONG pid = 0;
    const std::string server =
        ::GetNamedPipeServerProcessId(pipe.get(), &pid) ? process_user_sid(pid) : std::string{};
    if ((ec = check_server_user(server, options.server_user))) return nullptr;
  }
  DWORD mode = PIPE_READMODE_MESSAGE;  // C1, C3: whole messages on our side too
  if (!::SetNamedPipeHandleState(pipe.get(), &mode, nullptr, nullptr)) {
    ec = last_system_error();
    return nullptr;
  }
  return make_pipe_channel(io, std::move(pipe), ep, options.max_message_size, pipe_end::client,
                           {}, ec);
}

}  // namespace strait::detail
