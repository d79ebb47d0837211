// Test support: start a helper process, wait for it with a timeout, kill it.
//
// Used by the conformance suite (the peer at the other end of a channel runs
// in its own process) and by examples/tour. POSIX uses posix_spawn, Windows
// CreateProcessW; the platform code lives in child_process_<platform>.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace strait::test {

class child_process {
 public:
  // Starts `program` with `args` (not including the program itself). The
  // child inherits the environment and the standard output and error
  // streams, nothing else of ours. Throws std::system_error when the program
  // cannot be started. With `standard_output`, the child writes its standard
  // output to that file (created or emptied) instead of ours.
  child_process(const std::filesystem::path& program, const std::vector<std::string>& args,
                const std::filesystem::path& standard_output = {});
  child_process(child_process&&) noexcept;
  child_process& operator=(child_process&&) noexcept;
  ~child_process();  // kills and reaps a child that is still running

  // Waits up to `timeout` for the child to exit and returns its exit code,
  // or nullopt when it is still running. A child killed by signal N reports
  // 128 + N (POSIX); kill() on Windows makes the exit code 128 + 9 as well.
  std::optional<int> wait(std::chrono::milliseconds timeout);

  // Ends the child at once (SIGKILL / TerminateProcess), without letting it
  // clean up: what a crash looks like to its peers. Does not wait.
  void kill();

  std::uint64_t pid() const noexcept;

 private:
  struct state;  // platform-specific: child_process_<platform>.cpp
  std::unique_ptr<state> state_;
};

// The exit code of a child ended by kill().
inline constexpr int killed_exit_code = 128 + 9;

// The full path of the running executable, found without argv[0].
std::filesystem::path self_executable_path();

// Starts `PROGRAM ROLE ARGS...`, where PROGRAM is a helper built beside the
// running executable (with its extension: .exe on Windows).
inline child_process start_beside(std::string_view program, std::string_view role,
                                  const std::vector<std::string>& args) {
  const auto self = self_executable_path();
  std::vector<std::string> all{std::string(role)};
  all.insert(all.end(), args.begin(), args.end());
  return child_process(self.parent_path() / (std::string(program) + self.extension().string()),
                       all);
}

// The child's exit code; kills it and throws std::runtime_error when it has
// not exited within `timeout`, so that a hung peer fails the test, not stalls it.
inline int exit_code_within(child_process& child, std::chrono::seconds timeout) {
  if (const auto code = child.wait(timeout)) return *code;
  child.kill();
  throw std::runtime_error("the peer did not exit within " + std::to_string(timeout.count()) +
                           " s");
}

// The id of the running process.
std::uint64_t current_process_id() noexcept;

// A name no other test run uses: prefix, pid, time, a counter and random
// bits. It fits strait's portable name grammar ([A-Za-z0-9._-], at most 128
// bytes, not starting with '.' or '-'); characters of `prefix` outside the
// grammar become '_'.
std::string unique_name(std::string_view prefix);

}  // namespace strait::test
