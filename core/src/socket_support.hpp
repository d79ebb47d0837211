// The few socket operations whose code differs per OS (platform/<os>/socket_support.cpp).
#pragma once

#include <system_error>

#include <asio/ip/tcp.hpp>

#include <strait/native_handle.hpp>

#include "backend.hpp"

namespace strait::detail {

using native_socket = asio::detail::socket_type;  // int, or SOCKET on Windows

inline native_handle_type to_native_handle(native_socket s) noexcept {
  return (native_handle_type)s;  // an int stays an int; a SOCKET becomes a HANDLE-sized value
}

enum class socket_wait { read, write };

// Waits until `s` is ready for `what` or `until` passes (errc::timed_out).
std::error_code wait_socket(native_socket s, socket_wait what, deadline until) noexcept;

// Opens and binds a TCP acceptor so that a live listener's port cannot be
// taken by a second one (C7), while a port in TIME_WAIT can be reused.
void bind_exclusive(asio::ip::tcp::acceptor& acceptor, const asio::ip::tcp::endpoint& ep,
                    std::error_code& ec);

}  // namespace strait::detail
