// Mailslots: a connectionless drop box. Any process that knows the name
// writes whole messages; only the creator reads them (M1, M2).
//
//   strait::mailslot box = strait::mailslot::create(io, "orders", {.max_message_size = 4096});
//   strait::channel  w   = strait::connect(io, "mailslot://orders");   // any process
//   w.send(strait::buffer("one order"));                               // one message
//   std::vector<std::byte> m = box.receive();                          // one whole message
//
// On Windows a mailslot is \\.\mailslot\NAME; on POSIX an AF_UNIX datagram
// socket in the per-user runtime directory. mailslot://*/NAME broadcasts to
// every reader of NAME on the network segment and mailslot://HOST/NAME sends
// to the reader on one machine, over UDP the same way on every platform
// (native remote mailslots are deprecated since 2023); a reader opts in with
// mailslot_options::receive_broadcasts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <strait/channel.hpp>
#include <strait/export.hpp>

namespace strait {

// The largest message of a local mailslot, the same on every platform (M3).
inline constexpr std::size_t mailslot_size_limit = 64 * 1024;
inline constexpr std::size_t default_mailslot_message_size = mailslot_size_limit;

// Broadcast messages: Windows' domain-broadcast limit by default, at most a
// payload that always fits one unfragmented UDP datagram (M6).
inline constexpr std::size_t default_broadcast_message_size = 424;
inline constexpr std::size_t broadcast_size_limit = 1024;

// Where the broadcasts of a NAME travel, and how (M6). Every field has a
// default derived from NAME, so writers and readers that set nothing meet.
struct broadcast_options {
  // Reader: the broadcast NAME to receive ("" = the mailslot's own name).
  std::string name;
  // IPv4 multicast group and UDP port ("" and 0 = broadcast_address(NAME)).
  std::string group;
  std::uint16_t port = 0;
  // The local IPv4 address of the interface to send and join on ("" = the
  // system's choice, i.e. the default route). "127.0.0.1" keeps it on this machine.
  std::string interface_address;
  // Largest payload: a writer refuses more (message_too_large), a reader drops more.
  std::size_t max_message_size = default_broadcast_message_size;
  // Writer: multicast time-to-live; 1 stays on the segment.
  int hops = 1;
};

struct mailslot_options {
  std::size_t max_message_size = default_mailslot_message_size;  // M3: 1..mailslot_size_limit
  duration read_timeout = infinite;                               // M4: receive waits this long
  bool receive_broadcasts = false;                                // M6: opt in
  broadcast_options broadcast;
};

// The multicast group (239.255.X.Y) and UDP port (61000-65499) of
// mailslot://*/NAME: a stable hash of NAME in lower case (docs/wire-format.md).
// The ports lie in macOS's and Windows' ephemeral ranges: a reader that
// finds `port` held by another program binds `alternate_port` instead, and
// writers send to both.
struct multicast_endpoint {
  std::string group;
  std::uint16_t port = 0;
  std::uint16_t alternate_port = 0;
};
STRAIT_API multicast_endpoint broadcast_address(std::string_view name);

namespace detail {
class mailslot_reader;
}  // namespace detail

// The reading end: the one process that created the mailslot.
class mailslot {
 public:
  using executor_type = asio::any_io_executor;

  STRAIT_API mailslot() noexcept;  // not open
  STRAIT_API mailslot(mailslot&&) noexcept;
  STRAIT_API mailslot& operator=(mailslot&&) noexcept;
  STRAIT_API ~mailslot();

  // Creates mailslot NAME (or the URL mailslot://NAME; mailslot://*/NAME
  // also receives broadcasts). A name that a live reader holds fails with
  // already_exists (M2); one left by a crashed reader is reclaimed. A
  // max_message_size of 0 or over mailslot_size_limit is invalid_argument.
  STRAIT_API static mailslot create(asio::io_context& io, std::string_view name,
                                    mailslot_options options = {});
  STRAIT_API static mailslot create(asio::io_context& io, std::string_view name,
                                    mailslot_options options, std::error_code& ec);

  STRAIT_API bool is_open() const noexcept;
  STRAIT_API executor_type get_executor() const;

  // Receives the next whole message into `buffer` and returns its size. A
  // buffer smaller than the message fails with more_data and takes nothing:
  // the message stays first (M5; ask next_message_size()). An empty mailslot
  // waits up to the read timeout, then timed_out (M4).
  STRAIT_API std::size_t receive(asio::mutable_buffer buffer);
  STRAIT_API std::size_t receive(asio::mutable_buffer buffer, std::error_code& ec);
  STRAIT_API std::vector<std::byte> receive();
  STRAIT_API std::vector<std::byte> receive(std::error_code& ec);

  // Asynchronous forms, on the io_context; any completion token. The read
  // timeout does not apply: cancel() ends them with operation_aborted (C8).
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

  // The size of the next message, or nullopt when none is queued (M4).
  STRAIT_API std::optional<std::size_t> next_message_size();
  STRAIT_API std::optional<std::size_t> next_message_size(std::error_code& ec);
  // How many messages are queued (M4). Exact on POSIX, where the kernel
  // counts no datagrams: they are moved into the process to be counted (up
  // to 65536; past that a lower bound). Windows reports its own count (Wine
  // caps it at 1).
  STRAIT_API std::size_t pending();
  STRAIT_API std::size_t pending(std::error_code& ec);

  // M4; strait::infinite waits forever
  STRAIT_API void set_read_timeout(duration timeout) noexcept;
  STRAIT_API duration read_timeout() const noexcept;
  STRAIT_API std::size_t max_message_size() const noexcept;

  STRAIT_API void cancel();  // pending async receives complete with operation_aborted
  STRAIT_API void close();   // the name is free again; writers' later sends fail or vanish

  STRAIT_API strait::capabilities capabilities() const;  // can_send false (M1)
  STRAIT_API std::string endpoint() const;               // mailslot://NAME
  STRAIT_API native_handle_type native_handle() const;

 private:
  using size_completion = detail::completion<void(std::error_code, std::size_t)>;
  using message_completion =
      detail::completion<void(std::error_code, std::vector<std::byte>)>;
  explicit mailslot(std::shared_ptr<detail::mailslot_reader> reader) noexcept;
  STRAIT_API void start_receive(asio::mutable_buffer buffer, size_completion done);
  STRAIT_API void start_receive_message(message_completion done);

  std::shared_ptr<detail::mailslot_reader> reader_;
  duration read_timeout_ = infinite;
};

// A writer of mailslot://NAME, mailslot://*/NAME or mailslot://HOST/NAME
// like strait::connect(), with the broadcast settings (group, port,
// interface, size) of the last two. Writers are one-way: receive fails with
// access_denied (M1). A local writer's limit is the smaller of
// options.max_message_size and the reader's maximum; connect_options::timeout
// is not used (nobody reading is not_found at once). A send to a full local
// mailslot waits up to the channel's send timeout, then timed_out (POSIX;
// a Windows mailslot write never waits).
STRAIT_API channel connect_mailslot(asio::io_context& io, std::string_view url,
                                    const broadcast_options& broadcast,
                                    connect_options options = {});
STRAIT_API channel connect_mailslot(asio::io_context& io, std::string_view url,
                                    const broadcast_options& broadcast, connect_options options,
                                    std::error_code& ec);

}  // namespace strait
