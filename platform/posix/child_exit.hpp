// How the parent learns that a child has exited, without SIGCHLD (a library
// must not take a process-wide signal from its program). One file per
// mechanism, chosen in CMakeLists.txt (STRAIT_POSIX_CHILD_EXIT):
//   child_exit_pidfd.cpp    a pidfd (Linux 5.3+): poll() and asio's reactor wait on it
//   child_exit_polling.cpp  waitid(WNOWAIT) at growing intervals, for any POSIX system
// Neither reaps: process.cpp does, with waitpid, once the watch says so.
#pragma once

#include <sys/types.h>

#include <memory>
#include <system_error>

#include <asio/io_context.hpp>

#include "backend.hpp"

namespace strait::detail {

class exit_watch {
 public:
  virtual ~exit_watch() = default;
  // True once the child has exited (or was reaped already); false when it
  // still runs at `until`. A past deadline only looks.
  virtual bool wait_exited(deadline until) = 0;
  // Calls `exited` on the io_context once the child has exited (never from
  // inside the call). The watch must outlive the wait: its owner keeps both.
  virtual void async_wait_exited(completion<void(std::error_code)> exited) = 0;
};

// A watch on child `pid` of this process; nullptr and `ec` when the
// mechanism is not available.
std::unique_ptr<exit_watch> watch_exit(asio::io_context& io, pid_t pid, std::error_code& ec);

// Whether child `pid` has exited, without reaping it (waitid WNOWAIT); a
// child already reaped counts as exited.
bool has_exited(pid_t pid) noexcept;

}  // namespace strait::detail
