// The few socket operations whose code differs per OS (platform/<os>/socket_support.cpp).
#pragma once

#include <array>
#include <chrono>
#include <system_error>

#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>

#include <strait/native_handle.hpp>

#include "backend.hpp"

namespace strait::detail {

using native_socket = asio::detail::socket_type;  // int, or SOCKET on Windows

inline native_handle_type to_native_handle(native_socket s) noexcept {
  return (native_handle_type)s;  // an int stays an int; a SOCKET becomes a HANDLE-sized value
}

// connect: a non-blocking connect in progress, done or failed.
enum class socket_wait { read, write, connect };

// Waits until `s` is ready for `what` or `until` passes (errc::timed_out).
std::error_code wait_socket(native_socket s, socket_wait what, deadline until) noexcept;

// Keeps `s` out of the processes this one starts. asio does not, and a
// child holding a copy of a socket keeps it open after we close it: the
// peer would not see the close (C4), nor a listener's name come free (C7).
void keep_from_children(native_socket s) noexcept;

// Makes a connected socket ready for socket_read/socket_write (and keeps it
// from children). Its blocking mode is the caller's, through asio (below).
void prepare_socket(native_socket s) noexcept;

// Whether socket_read/socket_write wait in the read or write call itself, on
// a blocking socket (POSIX: its SO_RCVTIMEO/SO_SNDTIMEO carry the deadline,
// one system call per call, issue 13), or in a wait beside it on a
// non-blocking one (Windows: Winsock leaves a socket whose call timed out in
// an undefined state). A channel sets the mode through asio, which has to
// know it: asio makes a socket non-blocking for an async operation, and
// blocking again only through its own calls.
bool sync_calls_block_in_kernel() noexcept;

// Makes `socket` blocking again for a sync call where sync calls block in the
// kernel. asio made it non-blocking for an async operation and makes it so
// again for the next one; while one is pending (`async_pending`) it stays
// non-blocking and the call waits in poll instead (a blocking socket would
// stall the reactor's attempt to complete that operation).
template <class Socket>
void block_for_sync_call(Socket& socket, bool async_pending) noexcept {
  if (!sync_calls_block_in_kernel() || async_pending || !socket.native_non_blocking()) return;
  std::error_code ignored;
  socket.native_non_blocking(false, ignored);
}

// The kernel timeouts last set on a blocking socket (SO_RCVTIMEO and
// SO_SNDTIMEO; zero: none), so that a call sets one only when its deadline
// needs another. Unused on Windows.
struct socket_timeouts {
  std::chrono::microseconds receive{0};
  std::chrono::microseconds send{0};
};

// The blocking calls of a stream channel (C8): one read of what is there,
// or one gather write of what fits, waiting up to `until`. End of stream is
// asio::error::eof; every other failure is already a strait code. On a
// blocking POSIX socket a call costs one system call, waiting or not, as a
// raw blocking socket with SO_RCVTIMEO would; on a non-blocking one it
// waits in poll (asio made it so, an async operation being pending).
std::size_t socket_read(native_socket s, socket_timeouts& timeouts, void* data,
                        std::size_t size, deadline until, std::error_code& ec) noexcept;
std::size_t socket_write(native_socket s, socket_timeouts& timeouts,
                         const std::array<asio::const_buffer, 2>& buffers, deadline until,
                         std::error_code& ec) noexcept;

// Opens and binds a TCP acceptor so that a live listener's port cannot be
// taken by a second one (C7), while a port in TIME_WAIT can be reused.
void bind_exclusive(asio::ip::tcp::acceptor& acceptor, const asio::ip::tcp::endpoint& ep,
                    std::error_code& ec);

// Opens and binds a UDP socket that the other broadcast readers of a NAME on
// this machine can bind too. On Linux only sockets of the same user share the
// port (SO_REUSEPORT alone): another user can neither bind beside the reader
// nor take its unicast datagrams (issue 12.6).
void bind_shared_udp(asio::ip::udp::socket& socket, const asio::ip::udp::endpoint& ep,
                     std::error_code& ec);

}  // namespace strait::detail
