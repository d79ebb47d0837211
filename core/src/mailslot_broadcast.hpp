// mailslot://*/NAME and mailslot://HOST/NAME: UDP datagrams, the same code on
// every platform (asio), in the format of docs/wire-format.md ("Broadcast
// mailslot datagrams").
//
// Writers send to the multicast group of NAME (or to HOST) on the port of
// NAME. A reader that opts in runs a forwarder: a thread with its own
// io_context that receives those datagrams and writes each one into the
// reader's local mailslot, so that one receive, next_message_size() and
// pending() see local and broadcast messages alike (M6), whether or not the
// application runs its io_context.
#pragma once

#include <memory>
#include <string>
#include <system_error>

#include <strait/mailslot.hpp>

#include "backend.hpp"

namespace strait::detail {

// A writer of ep (host "*" or a machine): message_too_large over
// broadcast.max_message_size, nothing sent (M6).
std::shared_ptr<channel_backend> connect_broadcast(asio::io_context& io,
                                                   const strait::endpoint& ep,
                                                   const broadcast_options& broadcast,
                                                   const connect_options& options,
                                                   std::error_code& ec);

class broadcast_forwarder;

// Starts forwarding the broadcasts described by `broadcast` (its name
// defaulting to `local_name`) into the local mailslot `local_name`, whose
// reader accepts messages up to `local_max`.
std::shared_ptr<broadcast_forwarder> start_broadcast_forwarder(
    const std::string& local_name, std::size_t local_max, const broadcast_options& broadcast,
    std::error_code& ec);

// Stops it and waits for its thread. Call after the local reader closed, so
// that a forward blocked on a full mailslot fails at once.
void stop_broadcast_forwarder(broadcast_forwarder& forwarder) noexcept;

}  // namespace strait::detail
