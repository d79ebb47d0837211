// strait::parent_channel and channel_pair on POSIX: the child's end of the
// socket pair strait::spawn made (process.cpp), found through
// STRAIT_PARENT_CHANNEL (docs/wire-format.md, "Child processes").
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <mutex>

#include <fmt/format.h>

#include "process_backend.hpp"
#include "socket_pair.hpp"
#include "socket_support.hpp"

namespace strait::detail {
namespace {

// The descriptor STRAIT_PARENT_CHANNEL names, if it is a connected AF_UNIX
// stream socket; a value that is not (garbage, a closed descriptor, a file,
// a standard stream) is not_found: the variable is the environment's word.
std::optional<int> parent_channel_fd(std::string_view value) {
  int fd = -1;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), fd);
  if (error != std::errc() || end != value.data() + value.size() || fd <= STDERR_FILENO)
    return std::nullopt;
  int type = 0;
  socklen_t length = sizeof(type);
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || type != SOCK_STREAM)
    return std::nullopt;
  sockaddr_storage address{};
  socklen_t address_length = sizeof(address);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_length) != 0 ||
      address.ss_family != AF_UNIX)
    return std::nullopt;
  address_length = sizeof(address);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &address_length) != 0)
    return std::nullopt;  // a listening or unconnected socket
  return fd;
}

}  // namespace

std::shared_ptr<channel_backend> take_parent_channel(asio::io_context& io, std::error_code& ec) {
  static std::mutex taking;
  static bool taken = false;
  std::lock_guard lock(taking);
  const std::string variable(parent_channel_variable);
  const char* value = std::getenv(variable.c_str());
  if (taken || !value) {
    ec = make_error_code(errc::not_found);
    note_failure(taken ? "the parent channel was taken already"
                       : "not started by strait::spawn: STRAIT_PARENT_CHANNEL is not set");
    return nullptr;
  }
  taken = true;
  const std::string text = value;
  // A child this process starts must not believe it has our parent's end.
  ::unsetenv(variable.c_str());
  const auto fd = parent_channel_fd(text);
  if (!fd) {
    ec = make_error_code(errc::not_found);
    note_failure(fmt::format("STRAIT_PARENT_CHANNEL={} names no connected stream socket", text));
    return nullptr;
  }
  keep_from_children(*fd);
  owned_fd end(*fd);
  const auto parent_pid = static_cast<std::uint64_t>(::getppid());
  return socket_channel(io, end, fmt::format("spawn://parent/{}", parent_pid),
                        default_max_message_size, std::nullopt, ec);
}

std::pair<std::shared_ptr<channel_backend>, std::shared_ptr<channel_backend>> make_channel_pair(
    asio::io_context& io, std::size_t max_message_size, std::error_code& ec) {
  owned_fd a, b;
  if ((ec = cloexec_socketpair(a, b))) return {};
  const auto self = this_user(static_cast<std::uint64_t>(::getpid()));
  auto first = socket_channel(io, a, "spawn://pair", max_message_size, self, ec);
  if (!first) return {};
  auto second = socket_channel(io, b, "spawn://pair", max_message_size, self, ec);
  if (!second) return {};
  return {std::move(first), std::move(second)};
}

}  // namespace strait::detail
