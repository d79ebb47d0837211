// The one interface every transport implements (core/src for tcp,
// platform/<os>/ for the rest). channel and listener are thin owners of these.
//
// Rules for implementers:
// - Blocking calls take a deadline on the steady clock; time_point::max()
//   means no deadline. Running out is errc::timed_out and loses nothing (C8).
// - async_* never invoke `done` from inside the call; complete from an asio
//   handler (asio::post an immediate error).
// - Backends are owned by shared_ptr and async operations keep theirs alive
//   (shared_from_this): closing the owner while they are pending completes
//   them with operation_aborted.
// - Every error is a strait::errc code (make_error_code(errc, native)).
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/buffer.hpp>
#include <asio/io_context.hpp>

#include <strait/channel.hpp>
#include <strait/endpoint.hpp>
#include <strait/error.hpp>

namespace strait::detail {

using clock = std::chrono::steady_clock;
using deadline = clock::time_point;
inline constexpr deadline no_deadline = deadline::max();
// Long passed (the clock's epoch): a call takes only what is there, and a
// call that knows this one need not read the clock to find out.
inline constexpr deadline no_wait{};

// now + timeout, saturating (infinite stays infinite).
deadline deadline_after(duration timeout) noexcept;
deadline deadline_after(const std::optional<std::chrono::milliseconds>& timeout) noexcept;

using size_completion = completion<void(std::error_code, std::size_t)>;

// What a whole-message receive had already taken when it was interrupted
// (timeout, cancel): the next receive hands it out first (C8). Kept by
// channel.cpp; backends never touch it.
struct unread_message {
  std::vector<std::byte> bytes;
  std::size_t offset = 0;
  bool more = false;  // the rest of the message is still in the transport
};

class channel_backend {
 public:
  virtual ~channel_backend() = default;

  unread_message unread;

  // Bytes of the current message still to be received after a more_data,
  // when the transport knows (0 when it does not): sizes whole-message reads.
  virtual std::size_t message_remaining() const { return 0; }

  virtual asio::any_io_executor get_executor() const = 0;
  virtual strait::capabilities capabilities() const = 0;

  virtual void send(asio::const_buffer message, deadline until, std::error_code& ec) = 0;
  virtual std::size_t receive(asio::mutable_buffer buffer, deadline until,
                              std::error_code& ec) = 0;
  // A send or receive that needs no waiting, tried by channel before it reads
  // the clock for the deadline of send()/receive() (on shm:// that clock read
  // was a good part of a round trip). True: done, ec and `received` say how.
  // False: nothing was sent, and the blocking call follows (a receive that
  // took the first part of a message keeps it for that call). Transports that
  // enter the kernel on every call keep these defaults.
  virtual bool send_if_ready(asio::const_buffer, std::error_code&) { return false; }
  virtual bool receive_if_ready(asio::mutable_buffer, std::size_t& /*received*/,
                                std::error_code&) {
    return false;
  }
  virtual void async_send(asio::const_buffer message, size_completion done) = 0;
  virtual void async_receive(asio::mutable_buffer buffer, size_completion done) = 0;

  virtual void cancel() = 0;
  virtual void close() = 0;
  virtual bool is_open() const = 0;

  virtual peer_info peer() const { return {}; }
  virtual std::string endpoint() const = 0;
  virtual native_handle_type native_handle() const = 0;
};

class listener_backend {
 public:
  using accept_completion =
      completion<void(std::error_code, std::shared_ptr<channel_backend>)>;

  virtual ~listener_backend() = default;

  virtual asio::any_io_executor get_executor() const = 0;
  virtual std::shared_ptr<channel_backend> accept(deadline until, std::error_code& ec) = 0;
  virtual void async_accept(accept_completion done) = 0;
  virtual void cancel() = 0;
  virtual void close() = 0;
  virtual bool is_open() const = 0;
  virtual std::string endpoint() const = 0;
};

// A transport: how to connect to and listen on one URL scheme.
struct transport {
  std::string_view scheme;
  std::shared_ptr<channel_backend> (*connect)(asio::io_context&, const strait::endpoint&,
                                              const connect_options&, std::error_code&);
  std::shared_ptr<listener_backend> (*listen)(asio::io_context&, const strait::endpoint&,
                                              const listen_options&, std::error_code&);
};

// The transports of this platform (platform/<os>/transports.cpp), tcp aside.
std::span<const transport> platform_transports() noexcept;

// The longest absolute path a unix:// URL may hold here: sun_path less its
// NUL, 107 bytes on Linux, 103 on macOS and the BSDs (N1). A longer one
// makes asio throw name_too_long, even from its error_code overloads.
std::size_t max_unix_socket_path() noexcept;

// The native error of the last failed system call, mapped (platform/<os>/error.cpp).
std::error_code last_system_error() noexcept;
// A native error value mapped onto strait::errc, native value kept.
std::error_code map_system_error(int native) noexcept;
// An asio / std error code (system, netdb, misc categories) mapped onto strait::errc.
std::error_code map_error(const std::error_code& ec) noexcept;
// "errno 111: Connection refused" / "Win32 error 231: All pipe instances are busy."
std::string describe_native_error(int native);

// What an error code cannot carry about this thread's latest failure (which
// path, owned by whom): a backend notes it, and the throwing calls add it to
// their message. take_failure_note() returns it and forgets it. A note longer
// than failure_note_capacity bytes is cut to it, ending in an ellipsis.
inline constexpr std::size_t failure_note_capacity = 1024;
void note_failure(std::string why);
std::string take_failure_note();

}  // namespace strait::detail
