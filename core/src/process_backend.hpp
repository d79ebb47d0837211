// What a platform implements for strait::spawn, parent_channel and
// channel_pair (platform/<os>/process.cpp). core/src/process.cpp is the thin
// public owner, as channel.cpp is for channel_backend.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/io_context.hpp>
#include <asio/readable_pipe.hpp>
#include <asio/writable_pipe.hpp>

#include <strait/process.hpp>

#include "backend.hpp"

namespace strait::detail {

class child_backend {
 public:
  using exit_completion = completion<void(std::error_code, int)>;

  explicit child_backend(asio::io_context& io) : std_in(io), std_out(io), std_err(io) {}
  virtual ~child_backend() = default;

  virtual std::uint64_t pid() const noexcept = 0;
  virtual asio::any_io_executor get_executor() const = 0;
  // The exit code once the child has exited; nothing (and no error) when it
  // still runs at `until`. no_deadline waits; a past deadline only looks.
  virtual std::optional<int> wait(deadline until, std::error_code& ec) = 0;
  // Completes on the io_context when the child exits; never from inside the call.
  virtual void async_wait(exit_completion done) = 0;
  virtual void terminate(std::error_code& ec) = 0;

  // The parent's ends, filled by the platform's spawn.
  strait::channel channel;
  asio::writable_pipe std_in;
  asio::readable_pipe std_out;
  asio::readable_pipe std_err;
};

// Starts the child (platform/<os>/process.cpp). `program` is as given to
// strait::spawn; the platform resolves it against PATH.
std::shared_ptr<child_backend> spawn_child(asio::io_context& io, std::string_view program,
                                           const std::vector<std::string>& args,
                                           const spawn_options& options, std::error_code& ec);

// This process's end of the channel its parent made, taken once.
std::shared_ptr<channel_backend> take_parent_channel(asio::io_context& io, std::error_code& ec);

// Two connected, unnamed channel ends in this process.
std::pair<std::shared_ptr<channel_backend>, std::shared_ptr<channel_backend>> make_channel_pair(
    asio::io_context& io, std::size_t max_message_size, std::error_code& ec);

}  // namespace strait::detail
