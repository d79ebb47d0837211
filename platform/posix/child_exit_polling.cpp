// exit_watch by polling waitid(WNOWAIT) at growing intervals (any POSIX
// system: macOS has no pidfd, and SIGCHLD belongs to the program). The
// pause grows from 1 ms to 20 ms: a child that lives long costs a look
// every 20 ms, one that exits at once is seen within about a millisecond.
#include <algorithm>
#include <chrono>
#include <thread>

#include <asio/steady_timer.hpp>

#include "child_exit.hpp"

namespace strait::detail {
namespace {

constexpr auto first_pause = std::chrono::milliseconds(1);
constexpr auto longest_pause = std::chrono::milliseconds(20);

class polling_watch final : public exit_watch {
 public:
  polling_watch(asio::io_context& io, pid_t pid) : io_(io), pid_(pid) {}

  bool wait_exited(deadline until) override {
    auto pause = first_pause;
    while (!has_exited(pid_)) {
      const auto now = clock::now();
      if (now >= until) return false;
      std::this_thread::sleep_for(std::min<clock::duration>(pause, until - now));
      pause = std::min(pause * 2, longest_pause);
    }
    return true;
  }

  // A timer of its own per wait: several may be pending at once.
  void async_wait_exited(completion<void(std::error_code)> exited) override {
    look_after(std::make_shared<asio::steady_timer>(io_), pid_, first_pause, std::move(exited));
  }

 private:
  static void look_after(std::shared_ptr<asio::steady_timer> timer, pid_t pid,
                         std::chrono::milliseconds pause,
                         completion<void(std::error_code)> exited) {
    timer->expires_after(pause);
    timer->async_wait(
        [timer, pid, pause, exited = std::move(exited)](std::error_code ec) mutable {
          if (ec || has_exited(pid)) return exited(ec);
          look_after(std::move(timer), pid, std::min(pause * 2, longest_pause),
                     std::move(exited));
        });
  }

  asio::io_context& io_;
  pid_t pid_;
};

}  // namespace

std::unique_ptr<exit_watch> watch_exit(asio::io_context& io, pid_t pid, std::error_code&) {
  return std::make_unique<polling_watch>(io, pid);
}

}  // namespace strait::detail
