// The shm:// channel: messages through the two rings of one connection
// (shm_channel.cpp), its pipe kept for doorbells and the peer's end.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <asio/any_io_executor.hpp>

#include "backend.hpp"
#include "shm_connection.hpp"

namespace strait::detail::shm {

struct channel_settings {
  std::string url;
  asio::any_io_executor executor;
  std::size_t max_send = 0;     // the smaller of both sides' maximums (C9)
  std::size_t max_receive = 0;  // ours; a larger message from the peer is a protocol error
  wait_strategy wait = wait_strategy::adaptive;
  std::chrono::nanoseconds spin_time{};
};

// The channel of one end of an established connection, already watching
// `control` (the connection's pipe) on the service thread.
std::shared_ptr<channel_backend> start_channel(channel_settings settings,
                                               std::unique_ptr<connection_memory> memory,
                                               std::shared_ptr<channel_backend> control,
                                               bool server);

}  // namespace strait::detail::shm
