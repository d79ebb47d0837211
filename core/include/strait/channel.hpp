// channel and listener: whole messages between processes, any transport.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <asio/async_result.hpp>
#include <asio/buffer.hpp>
#include <asio/any_io_executor.hpp>
#include <asio/io_context.hpp>

#include <strait/detail/completion.hpp>
#include <strait/export.hpp>
#include <strait/native_handle.hpp>

namespace strait {

using duration = std::chrono::nanoseconds;
// A timeout that never expires: block until the operation completes.
// (In parentheses: <windows.h> without NOMINMAX defines a max macro.)
inline constexpr duration infinite = (duration::max)();

inline constexpr std::size_t default_max_message_size = 64u << 20;  // 64 MiB

// A whole message from a string, without the terminating NUL that
// asio::buffer("literal") would include.
inline asio::const_buffer buffer(std::string_view s) noexcept {
  return {s.data(), s.size()};
}

struct capabilities {
  bool can_send = true;       // false on a mailslot reader (M1)
  bool can_receive = true;    // false on a mailslot writer (M1)
  bool reliable = true;       // nothing lost, nothing duplicated (C2)
  bool ordered = true;        // order kept per channel (C2)
  bool cross_machine = false; // the peer may be on another host
  bool broadcast = false;     // one send reaches many readers
  std::size_t max_message_size = default_max_message_size;  // C9

  bool duplex() const noexcept { return can_send && can_receive; }
};

// Who is at the other end, as far as the OS can say.
struct peer_info {
  std::optional<std::uint64_t> pid;  // process id (local transports)
  std::optional<std::uint32_t> uid;  // POSIX user id
  std::string user;                  // Windows SID string, or the uid as text
  std::string address;               // tcp: "host:port" of the peer
};

// How a shm:// send or receive that cannot go on waits for the peer.
//   spin      busy-waits (with a pause instruction) until the peer acts or the
//             timeout passes: the lowest latency, one CPU core per waiter.
//   adaptive  spins for shm_spin_time, then sleeps (futex on Linux, event on
//             Windows) until the peer wakes it: the default.
//   block     sleeps at once: no CPU burnt, a kernel wake-up per wait.
// Asynchronous operations never spin: they wait on the io_context.
enum class wait_strategy { spin, adaptive, block };
inline constexpr std::chrono::nanoseconds default_shm_spin_time = std::chrono::microseconds(20);

struct connect_options {
  // Bound on the whole connect. Unset: tcp uses the OS connect timeout, and
  // a pipe whose instances are all busy fails at once with pipe_busy (C5).
  std::optional<std::chrono::milliseconds> timeout;
  // Largest message this side sends or accepts (C9).
  std::size_t max_message_size = default_max_message_size;
  // shm:// only: how this end waits (see wait_strategy), and the spin budget
  // of wait_strategy::adaptive.
  wait_strategy shm_wait = wait_strategy::adaptive;
  std::chrono::nanoseconds shm_spin_time = default_shm_spin_time;
  // Windows, pipe:// and shm:// on this machine: the user who must serve
  // the name, as a SID ("S-1-5-21-..."); empty = the current user.
  // Names are machine-wide there, so another user could serve one first and
  // read what we send: a server of anyone else fails with access_denied (N2).
  // Not consulted on POSIX, where local names live in a directory only the
  // current user can serve (use channel::peer() to check a unix:///path).
  std::string server_user{};
  // copydata:// only: the dwData of every WM_COPYDATA this channel sends.
  std::uintptr_t copydata_data = 0;
};

struct listen_options {
  std::size_t max_message_size = default_max_message_size;  // C9
  // Most concurrent connections; 0 = unlimited. Past it, connect sees pipe_busy.
  std::size_t max_instances = 0;
  // pipe:// on Windows: also serve clients on other machines (\\SERVER\pipe\NAME).
  // Off by default: local pipes reject remote clients (N2). Where a transport
  // cannot serve other machines (pipe:// and unix:// on POSIX), setting it
  // fails listen with not_supported; tcp:// reaches what its address reaches.
  bool allow_remote_clients = false;
  // pipe:// on Windows: each instance's in and out buffer quota in bytes;
  // 0 = 1 MiB, so that 1 MiB messages stream without waiting for each read
  // (small quotas make Windows pipes crawl). Socket transports use the
  // kernel's socket buffers and ignore it. shm://: each connection's ring
  // size per direction; 0 = 4 MiB (4 KiB to 1 GiB, rounded up to 64 bytes).
  std::size_t buffer_size = 0;
  // shm:// only: how the accepted channels wait (see connect_options).
  wait_strategy shm_wait = wait_strategy::adaptive;
  std::chrono::nanoseconds shm_spin_time = default_shm_spin_time;
};

namespace detail {
class channel_backend;
class listener_backend;
struct channel_access;  // the library's own functions on a channel's backend
}  // namespace detail

class channel {
 public:
  using executor_type = asio::any_io_executor;

  STRAIT_API channel() noexcept;  // not open; every operation fails with broken_pipe
  // Made by the library's backends only, so not exported (STRAIT_API).
  explicit channel(std::shared_ptr<detail::channel_backend> backend) noexcept;
  STRAIT_API channel(channel&&) noexcept;
  STRAIT_API channel& operator=(channel&&) noexcept;
  STRAIT_API ~channel();

  STRAIT_API bool is_open() const noexcept;
  STRAIT_API executor_type get_executor() const;

  // Sends one whole message, or nothing (C9: over the maximum fails with
  // message_too_large before a byte is sent). Blocks at most the send timeout.
  STRAIT_API void send(asio::const_buffer message);
  STRAIT_API void send(asio::const_buffer message, std::error_code& ec);

  // Receives one message into `buffer` and returns its size. A message larger
  // than the buffer fills it and fails with more_data; the rest of that
  // message is returned by the next receive (C3). After the peer closed and
  // every queued message was read, fails with broken_pipe (C4).
  STRAIT_API std::size_t receive(asio::mutable_buffer buffer);
  STRAIT_API std::size_t receive(asio::mutable_buffer buffer, std::error_code& ec);

  // Receives one whole message of any size up to the maximum; never truncates.
  STRAIT_API std::vector<std::byte> receive();
  STRAIT_API std::vector<std::byte> receive(std::error_code& ec);

  // Timeouts for the blocking calls above (C8), on a monotonic clock. A call
  // that times out fails with timed_out and loses nothing. Default: infinite.
  STRAIT_API void set_send_timeout(duration timeout) noexcept;
  STRAIT_API void set_receive_timeout(duration timeout) noexcept;

  // Asynchronous forms: any asio completion token (callback, use_future,
  // use_awaitable, deferred). Handlers: void(std::error_code, std::size_t),
  // and void(std::error_code, std::vector<std::byte>) for a whole message.
  template <class Token>
  auto async_send(asio::const_buffer message, Token&& token) {
    return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
        [this](auto handler, asio::const_buffer m) {
          start_send(m, detail::bind_completion<void(std::error_code, std::size_t)>(
                            std::move(handler), get_executor()));
        },
        token, message);
  }

  template <class Token>
  auto async_receive(asio::mutable_buffer buffer, Token&& token) {
    return asio::async_initiate<Token, void(std::error_code, std::size_t)>(
        [this](auto handler, asio::mutable_buffer b) {
          start_receive(b, detail::bind_completion<void(std::error_code, std::size_t)>(
                               std::move(handler), get_executor()));
        },
        token, buffer);
  }

  template <class Token>
  auto async_receive(Token&& token) {
    using signature = void(std::error_code, std::vector<std::byte>);
    return asio::async_initiate<Token, signature>(
        [this](auto handler) {
          start_receive_message(
              detail::bind_completion<signature>(std::move(handler), get_executor()));
        },
        token);
  }

  // Cancels pending asynchronous operations: they complete with
  // operation_aborted and the channel's later messages are intact (C8).
  // A send that has already put part of its message on the wire finishes.
  STRAIT_API void cancel();

  // Closes this end. The peer reads what was sent, then broken_pipe (C4).
  STRAIT_API void close();

  STRAIT_API strait::capabilities capabilities() const;
  STRAIT_API peer_info peer() const;
  STRAIT_API std::string endpoint() const;  // the URL this channel is connected to
  STRAIT_API native_handle_type native_handle() const;

 private:
  using size_completion = detail::completion<void(std::error_code, std::size_t)>;
  using message_completion =
      detail::completion<void(std::error_code, std::vector<std::byte>)>;
  STRAIT_API void start_send(asio::const_buffer message, size_completion done);
  STRAIT_API void start_receive(asio::mutable_buffer buffer, size_completion done);
  STRAIT_API void start_receive_message(message_completion done);

  friend struct detail::channel_access;
  std::shared_ptr<detail::channel_backend> backend_;
  duration send_timeout_ = infinite;
  duration receive_timeout_ = infinite;
};

class listener {
 public:
  using executor_type = asio::any_io_executor;

  STRAIT_API listener() noexcept;
  // Made by the library's backends only, so not exported (STRAIT_API).
  explicit listener(std::shared_ptr<detail::listener_backend> backend) noexcept;
  STRAIT_API listener(listener&&) noexcept;
  STRAIT_API listener& operator=(listener&&) noexcept;
  STRAIT_API ~listener();

  STRAIT_API bool is_open() const noexcept;
  STRAIT_API executor_type get_executor() const;

  // Waits for the next client; each gets its own channel (C6).
  STRAIT_API channel accept();
  STRAIT_API channel accept(std::error_code& ec);
  STRAIT_API void set_accept_timeout(duration timeout) noexcept;  // C8; default infinite

  template <class Token>
  auto async_accept(Token&& token) {
    using signature = void(std::error_code, channel);
    return asio::async_initiate<Token, signature>(
        [this](auto handler) {
          start_accept(
              detail::bind_completion<signature>(std::move(handler), get_executor()));
        },
        token);
  }

  STRAIT_API void cancel();  // pending async_accept completes with operation_aborted
  STRAIT_API void close();   // stops serving; the name is free again

  // The URL clients connect to (tcp://host:0 reports the port it got).
  STRAIT_API std::string endpoint() const;

 private:
  STRAIT_API void start_accept(detail::completion<void(std::error_code, channel)> done);

  std::shared_ptr<detail::listener_backend> backend_;
  duration accept_timeout_ = infinite;
};

// Serves `url`. Throwing forms raise std::system_error saying what failed.
STRAIT_API listener listen(asio::io_context& io, std::string_view url, listen_options options = {});
STRAIT_API listener listen(asio::io_context& io, std::string_view url, listen_options options,
                           std::error_code& ec);
STRAIT_API listener listen(asio::io_context& io, std::string_view url, std::error_code& ec);

// Connects to `url`.
STRAIT_API channel connect(asio::io_context& io, std::string_view url,
                           connect_options options = {});
STRAIT_API channel connect(asio::io_context& io, std::string_view url, connect_options options,
                           std::error_code& ec);
STRAIT_API channel connect(asio::io_context& io, std::string_view url, std::error_code& ec);

}  // namespace strait
