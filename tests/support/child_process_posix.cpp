// child_process on POSIX: posix_spawn, waitpid, SIGKILL.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <thread>

#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif

#include "child_process.hpp"

extern char** environ;

namespace strait::test {

struct child_process::state {
  pid_t pid = -1;
  std::optional<int> exit_code;

  // Reaps the child if it has exited; `block` waits until it does.
  bool reap(bool block) {
    if (exit_code) return true;
    int status = 0;
    pid_t r;
    do {
      r = ::waitpid(pid, &status, block ? 0 : WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == 0) return false;
    if (r < 0) throw std::system_error(errno, std::generic_category(), "waitpid");
    exit_code = WIFEXITED(status) ? WEXITSTATUS(status)
                                  : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
    return true;
  }
};

child_process::child_process(const std::filesystem::path& program,
                             const std::vector<std::string>& args,
                             const std::filesystem::path& standard_output)
    : state_(std::make_unique<state>()) {
  std::vector<std::string> strings{program.string()};
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  if (!standard_output.empty())
    ::posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, standard_output.c_str(),
                                       O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const int rc = ::posix_spawn(&state_->pid, program.c_str(), &actions, nullptr, argv.data(),
                               environ);
  ::posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    throw std::system_error(rc, std::generic_category(), "cannot start " + program.string());
}

child_process::child_process(child_process&&) noexcept = default;

child_process& child_process::operator=(child_process&& other) noexcept {
  if (this != &other) {
    child_process previous(std::move(*this));  // killed and reaped on scope exit
    state_ = std::move(other.state_);
  }
  return *this;
}

child_process::~child_process() {
  if (!state_ || state_->exit_code) return;
  kill();
  try {
    state_->reap(true);
  } catch (const std::system_error&) {
    // Nothing left to reap: someone else waited for it.
  }
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
  // Polling with a growing pause: waitpid has no timeout, and a test helper
  // needs none of the SIGCHLD machinery that would avoid it.
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::microseconds(100);
  while (!state_->reap(false)) {
    if (std::chrono::steady_clock::now() >= give_up) return std::nullopt;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(10'000));
  }
  return state_->exit_code;
}

void child_process::kill() {
  if (state_ && !state_->exit_code) ::kill(state_->pid, SIGKILL);
}

std::uint64_t child_process::pid() const noexcept {
  return state_ ? static_cast<std::uint64_t>(state_->pid) : 0;
}

std::filesystem::path self_executable_path() {
#if defined(__APPLE__)
  std::uint32_t size = 0;
  _NSGetExecutablePath(nullptr, &size);
  std::string path(size, '\0');
  if (_NSGetExecutablePath(path.data(), &size) != 0)
    throw std::runtime_error("_NSGetExecutablePath failed");
  return std::filesystem::canonical(path.c_str());
#else
  return std::filesystem::read_symlink("/proc/self/exe");
#endif
}

std::uint64_t current_process_id() noexcept { return static_cast<std::uint64_t>(::getpid()); }

}  // namespace strait::test
