// The connecting side of shm:// (docs/shared-memory.md, "The shm:// channel"):
// connect to the listener's pipe, take the connection's memory it offers
// (shm_connection.hpp), read its hello (shm_handshake.hpp), map the memory,
// answer.
#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <utility>

#include "shm_channel.hpp"
#include "shm_connection.hpp"
#include "shm_handshake.hpp"
#include "shm_service.hpp"
#include "shm_transport.hpp"

namespace strait::detail {

using namespace shm;

namespace {

// S6: the header the listener wrote says this is a connection of this size.
std::error_code check_header(const connection_memory& memory) {
  const auto* header = reinterpret_cast<const region_header*>(memory.data());
  if (std::memcmp(header->magic, region_magic, sizeof region_magic) != 0 ||
      header->capacity != memory.capacity())
    return make_error_code(errc::protocol_error);
  return {};
}

}  // namespace

std::shared_ptr<channel_backend> shm_connect(asio::io_context& io, const strait::endpoint& ep,
                                             const connect_options& options,
                                             std::error_code& ec) {
  const deadline until = deadline_after(options.timeout);
  connect_options control_options;
  control_options.timeout = options.timeout;
  control_options.max_message_size = handshake_size;
  control_options.server_user = options.server_user;  // N2: who serves the name
  auto control = pipe_transport().connect(service_io(), control_endpoint(ep),
                                          control_options, ec);
  if (!control) return nullptr;

  auto memory = receive_connection_memory(control->native_handle(), until, ec);
  if (!memory) return nullptr;
  std::array<char, handshake_size> text{};
  const std::size_t n = control->receive(asio::buffer(text), until, ec);
  if (ec) {
    if (ec == errc::more_data) ec = make_error_code(errc::protocol_error);
    return nullptr;
  }
  hello h;
  if ((ec = decode_hello({text.data(), n}, h))) return nullptr;
  if ((ec = memory->map(h.region, h.capacity)) || (ec = check_header(*memory))) return nullptr;
  const auto reply = encode_reply(options.max_message_size);
  control->send(asio::buffer(reply), until, ec);
  if (ec) return nullptr;

  channel_settings settings;
  settings.url = ep.url();
  settings.executor = io.get_executor();
  settings.max_send = std::min(options.max_message_size, h.max_message_size);
  settings.max_receive = options.max_message_size;
  settings.wait = options.shm_wait;
  settings.spin_time = options.shm_spin_time;
  return start_channel(std::move(settings), std::move(memory), std::move(control), false);
}

}  // namespace strait::detail
