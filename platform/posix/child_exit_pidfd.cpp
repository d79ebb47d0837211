// exit_watch over a pidfd (Linux 5.3+): readable once the child has exited.
// poll() waits for it with a deadline; asio's reactor (epoll) for async_wait.
#include <sys/syscall.h>
#include <unistd.h>

#include <asio/posix/stream_descriptor.hpp>

#include "child_exit.hpp"
#include "socket_support.hpp"

namespace strait::detail {
namespace {

class pidfd_watch final : public exit_watch {
 public:
  pidfd_watch(asio::io_context& io, pid_t pid, int pidfd) : pid_(pid), descriptor_(io, pidfd) {}

  bool wait_exited(deadline until) override {
    if (has_exited(pid_)) return true;
    if (until <= clock::now()) return false;  // a past deadline only looks (min() would overflow)
    const auto ec = wait_socket(descriptor_.native_handle(), socket_wait::read, until);
    return !ec || has_exited(pid_);
  }

  void async_wait_exited(completion<void(std::error_code)> exited) override {
    descriptor_.async_wait(asio::posix::stream_descriptor::wait_read,
                           [exited = std::move(exited)](std::error_code ec) mutable {
                             exited(ec);
                           });
  }

 private:
  pid_t pid_;
  asio::posix::stream_descriptor descriptor_;
};

}  // namespace

std::unique_ptr<exit_watch> watch_exit(asio::io_context& io, pid_t pid, std::error_code& ec) {
  // The pid cannot be reused under us: the child is ours and not reaped yet.
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    ec = last_system_error();
    return nullptr;
  }
  keep_from_children(pidfd);
  return std::make_unique<pidfd_watch>(io, pid, pidfd);
}

}  // namespace strait::detail
