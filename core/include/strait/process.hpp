// Child processes with a channel to them, and channel pairs.
//
//   asio::io_context io;
//   auto worker = strait::spawn(io, "./worker", {"--jobs", "4"});  // parent
//   worker.channel().send(strait::buffer("job 1"));
//   int code = worker.wait();
//
//   asio::io_context io;                                            // child
//   auto parent = strait::parent_channel(io);
//   auto job = parent.receive();
//
// The channel is unnamed: nothing else on the machine can reach it, nothing
// is left behind after a crash. It keeps the contract of every channel (C1-C4,
// C8, C9); when either process dies the other end reads what was sent, then
// broken_pipe (C4). How the child finds its end (an inherited handle or
// descriptor named by an environment variable) is in docs/wire-format.md, so a
// program in any language can be the child.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <asio/async_result.hpp>
#include <asio/io_context.hpp>
#include <asio/readable_pipe.hpp>
#include <asio/writable_pipe.hpp>

#include <strait/channel.hpp>
#include <strait/detail/completion.hpp>
#include <strait/export.hpp>

namespace strait {

// What the child's standard input, output or error is.
enum class stdio {
  inherit,  // the parent's own
  discard,  // the null device
  pipe,     // a byte stream to the parent: child::std_in() / std_out() / std_err()
};

struct spawn_options {
  // The child's environment as NAME=VALUE entries; unset: the parent's.
  // The variable that names the channel's end is added either way. On
  // Windows keep SystemRoot in a list of your own: without it a child's
  // Winsock (tcp://, and so many programs) fails to start.
  std::optional<std::vector<std::string>> environment;
  // Where the child starts; empty: the parent's current directory.
  std::string working_directory;
  stdio std_in = stdio::inherit;
  stdio std_out = stdio::inherit;
  stdio std_err = stdio::inherit;
  // No channel: the child is started with standard streams only (a program
  // that is not a strait program, fed through its stdin and stdout).
  bool with_channel = true;
  std::size_t max_message_size = default_max_message_size;  // C9, this end
};

namespace detail {
class child_backend;
}

class child {
 public:
  STRAIT_API child() noexcept;  // no process
  explicit child(std::shared_ptr<detail::child_backend> backend) noexcept;
  STRAIT_API child(child&&) noexcept;
  STRAIT_API child& operator=(child&&) noexcept;
  // Does not wait for or stop the process: it runs on, and its channel and
  // pipes close (a child that reads them sees broken_pipe / end of file).
  STRAIT_API ~child();

  STRAIT_API bool valid() const noexcept;
  STRAIT_API std::uint64_t pid() const noexcept;

  // The parent's end of the channel (not open when spawned without one).
  STRAIT_API strait::channel& channel() noexcept;

  // The parent's ends of the standard streams spawned as stdio::pipe (not
  // open otherwise). Closing std_in() gives the child end of file. Reading
  // past the child's last output ends with asio's code for a closed pipe:
  // asio::error::eof on POSIX, asio::error::broken_pipe on Windows.
  STRAIT_API asio::writable_pipe& std_in() noexcept;
  STRAIT_API asio::readable_pipe& std_out() noexcept;
  STRAIT_API asio::readable_pipe& std_err() noexcept;

  // The exit code once the child has exited (on POSIX a child killed by
  // signal N gives 128 + N, as shells say). wait_for returns nothing when
  // the child still runs after `timeout`.
  STRAIT_API int wait();
  STRAIT_API int wait(std::error_code& ec);
  STRAIT_API std::optional<int> wait_for(duration timeout);
  STRAIT_API std::optional<int> wait_for(duration timeout, std::error_code& ec);
  STRAIT_API bool running();

  // Handler: void(std::error_code, int exit_code).
  template <class Token>
  auto async_wait(Token&& token) {
    using signature = void(std::error_code, int);
    return asio::async_initiate<Token, signature>(
        [this](auto handler) {
          start_wait(detail::bind_completion<signature>(std::move(handler), get_executor()));
        },
        token);
  }

  // Stops the child now (TerminateProcess; SIGKILL on POSIX). Its exit code
  // is then 1 on Windows and 128 + 9 on POSIX. A child that already exited
  // is no error.
  STRAIT_API void terminate();
  STRAIT_API void terminate(std::error_code& ec);

  STRAIT_API asio::any_io_executor get_executor() const;

 private:
  STRAIT_API void start_wait(detail::completion<void(std::error_code, int)> done);

  std::shared_ptr<detail::child_backend> backend_;
};

// Starts `program` with `args` (not including the program itself). A program
// that cannot be started fails here with not_found or access_denied, never
// as a child that exits 127. `program` without a directory is looked up in
// PATH (and with .exe appended on Windows), as a shell would.
STRAIT_API child spawn(asio::io_context& io, std::string_view program,
                       const std::vector<std::string>& args = {},
                       const spawn_options& options = {});
STRAIT_API child spawn(asio::io_context& io, std::string_view program,
                       const std::vector<std::string>& args, const spawn_options& options,
                       std::error_code& ec);

// In a child started by spawn: its end of the channel to the parent.
// A process not started that way (or started with_channel = false) gets
// not_found. Takes the end once: a second call gets not_found too.
STRAIT_API strait::channel parent_channel(asio::io_context& io);
STRAIT_API strait::channel parent_channel(asio::io_context& io, std::error_code& ec);

// Two channels connected to each other in this process.
STRAIT_API std::pair<strait::channel, strait::channel> channel_pair(
    asio::io_context& io, std::size_t max_message_size = default_max_message_size);
STRAIT_API std::pair<strait::channel, strait::channel> channel_pair(
    asio::io_context& io, std::size_t max_message_size, std::error_code& ec);

}  // namespace strait
