// strait::spawn on POSIX: a socket pair whose child end posix_spawn puts at
// descriptor 3, named to the child by STRAIT_PARENT_CHANNEL=3
// (docs/wire-format.md, "Child processes"; the child's side is
// parent_channel.cpp). The channel is the unix:// stream channel over the
// parent's end (C1-C4, C8, C9 as unix:// keeps them).
//
// Only what the file actions name reaches the child: every descriptor strait
// makes is close-on-exec from its creation, and where the C library can
// (glibc 2.34+, macOS) the child closes every other one too, so two children
// started at once from two threads never hold each other's ends.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

#include <asio/post.hpp>
#include <fmt/format.h>

#include "child_exit.hpp"
#include "process_backend.hpp"
#include "socket_pair.hpp"
#include "socket_support.hpp"

extern char** environ;

namespace strait::detail {
namespace {

std::error_code cloexec_pipe(owned_fd& read_end, owned_fd& write_end) {
  int fds[2];
#if defined(__APPLE__)
  if (::pipe(fds) != 0) return last_system_error();
  keep_from_children(fds[0]);
  keep_from_children(fds[1]);
#else
  if (::pipe2(fds, O_CLOEXEC) != 0) return last_system_error();
#endif
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return {};
}

// Moves a child-side descriptor above the numbers the file actions dup2
// onto (0-3), so that no dup2 overwrites the source of another.
std::error_code raise_above_targets(owned_fd& fd) {
  if (fd.get() > child_channel_fd) return {};
  const int raised = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, child_channel_fd + 1);
  if (raised < 0) return last_system_error();
  fd.reset(raised);
  return {};
}

// What a program that cannot be run says: not_found, or access_denied for a
// file that is not executable, a directory, or not an executable format.
std::error_code cannot_run(int e) {
  if (e == ENOEXEC || e == EISDIR) return make_error_code(errc::access_denied, e);
  if (e == ENOTDIR) return make_error_code(errc::not_found, e);
  return map_system_error(e);
}

// 0 when `path` names an executable file, else the errno exec would give.
int runnable(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return errno;
  if (S_ISDIR(st.st_mode)) return EACCES;
  if (::access(path.c_str(), X_OK) != 0) return errno;
  return 0;
}

// `path` from our current directory; as it is when that cannot be read
// (removed): then the exec of a relative path fails as it would have.
std::string absolute(const std::string& path) {
  std::error_code ec;
  auto full = std::filesystem::absolute(path, ec);
  return ec ? path : full.string();
}

// The file `program` names, as a shell finds it: a name with a slash is a
// path (relative to our current directory, not the child's); any other is
// looked up in our PATH, where a found but non-executable file is
// access_denied only if no directory after it has an executable one.
std::optional<std::string> resolve_program(std::string_view program, std::error_code& ec) {
  const auto fail = [&](int e, const std::string& where) -> std::optional<std::string> {
    ec = cannot_run(e);
    note_failure(fmt::format("{}: {}", where, describe_native_error(e)));
    return std::nullopt;
  };
  if (program.empty()) return fail(ENOENT, "an empty program name");
  if (program.find('/') != std::string_view::npos) {
    const auto path = absolute(std::string(program));
    if (const int e = runnable(path)) return fail(e, path);
    return path;
  }
  const char* search = std::getenv("PATH");
  const std::string_view dirs = search ? search : "/usr/bin:/bin";
  int error = ENOENT;
  for (std::size_t begin = 0; begin <= dirs.size();) {
    const auto end = std::min(dirs.find(':', begin), dirs.size());
    const auto dir = dirs.substr(begin, end - begin);
    begin = end + 1;
    const auto path = absolute(fmt::format("{}/{}", dir.empty() ? "." : dir, program));
    const int e = runnable(path);
    if (e == 0) return path;
    if (e == EACCES) error = EACCES;
  }
  return fail(error, fmt::format("{} in PATH", program));
}

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

// NAME=VALUE entries for the child: the options' or ours, without any
// STRAIT_PARENT_CHANNEL of ours, plus the one naming its end.
std::vector<std::string> child_environment(const spawn_options& options) {
  std::vector<std::string> entries;
  const auto keep = [&](std::string_view entry) {
    if (entry.substr(0, entry.find('=')) != parent_channel_variable) entries.emplace_back(entry);
  };
  if (options.environment) {
    for (const auto& entry : *options.environment) keep(entry);
  } else {
    for (char** e = environ; *e; ++e) keep(*e);
  }
  if (options.with_channel)
    entries.push_back(fmt::format("{}={}", parent_channel_variable, child_channel_fd));
  return entries;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// The posix_spawn file actions and attributes, destroyed on scope exit.
struct spawn_plan {
  spawn_plan() {
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawnattr_init(&attributes);
  }
  ~spawn_plan() {
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attributes);
  }
  spawn_plan(const spawn_plan&) = delete;
  spawn_plan& operator=(const spawn_plan&) = delete;

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  short flags = 0;
};

// Where the system allows, the child closes every descriptor the file
// actions do not name, even ones other code here left inheritable: the
// guarantee the handle list gives on Windows.
void inherit_only_named(spawn_plan& plan, int first_unnamed) {
#if defined(POSIX_SPAWN_CLOEXEC_DEFAULT)
  (void)first_unnamed;
  plan.flags |= POSIX_SPAWN_CLOEXEC_DEFAULT;
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
  ::posix_spawn_file_actions_addclosefrom_np(&plan.actions, first_unnamed);
#else
  (void)plan;
  (void)first_unnamed;
#endif
}

// asio's io_context ignores SIGPIPE in this process, and an ignored signal
// stays ignored across exec: the child gets the default back, as a shell
// would start it, and no blocked signals.
void default_signals(spawn_plan& plan) {
  sigset_t signals;
  sigemptyset(&signals);
  ::posix_spawnattr_setsigmask(&plan.attributes, &signals);
  sigaddset(&signals, SIGPIPE);
  ::posix_spawnattr_setsigdefault(&plan.attributes, &signals);
  plan.flags |= POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
}

// One standard stream of the child: its descriptor `target`, and for
// stdio::pipe the parent's end in `parent_end`.
std::error_code plan_stdio(spawn_plan& plan, stdio how, int target, owned_fd& parent_end,
                           owned_fd& child_end) {
  const bool child_reads = target == STDIN_FILENO;
  switch (how) {
    case stdio::inherit:
      return {};
    case stdio::discard:
      ::posix_spawn_file_actions_addopen(&plan.actions, target, "/dev/null",
                                         child_reads ? O_RDONLY : O_WRONLY, 0);
      return {};
    case stdio::pipe:
      break;
  }
  auto ec = child_reads ? cloexec_pipe(child_end, parent_end) : cloexec_pipe(parent_end, child_end);
  if (!ec) ec = raise_above_targets(child_end);
  if (!ec) ::posix_spawn_file_actions_adddup2(&plan.actions, child_end.get(), target);
  return ec;
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);  // as shells say
  return 255;
}

class posix_child final : public child_backend,
                          public std::enable_shared_from_this<posix_child> {
 public:
  posix_child(asio::io_context& io, pid_t pid, std::unique_ptr<exit_watch> watch)
      : child_backend(io), io_(io), pid_(pid), watch_(std::move(watch)) {}

  // The process runs on (process.hpp); whoever ends it, it is reaped, not
  // left a zombie for the rest of our life.
  ~posix_child() override {
    if (exit_code_) return;
    std::thread([pid = pid_] {
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }).detach();
  }

  std::uint64_t pid() const noexcept override { return static_cast<std::uint64_t>(pid_); }
  asio::any_io_executor get_executor() const override { return io_.get_executor(); }

  std::optional<int> wait(deadline until, std::error_code& ec) override {
    if (const auto code = exit_code()) return code;
    for (;;) {
      if (!watch_->wait_exited(until)) return std::nullopt;
      if (auto code = reap(ec); code || ec) return code;
    }
  }

  void async_wait(exit_completion done) override {
    if (const auto code = exit_code()) {
      asio::post(io_, [done = std::move(done), code]() mutable { done({}, *code); });
      return;
    }
    watch_->async_wait_exited(completion<void(std::error_code)>(
        [self = shared_from_this(), done = std::move(done)](std::error_code ec) mutable {
          if (ec) return done(map_error(ec), -1);
          auto code = self->reap(ec);
          if (ec) return done(ec, -1);
          if (!code) return self->async_wait(std::move(done));
          done({}, *code);
        }));
  }

  void terminate(std::error_code& ec) override {
    std::lock_guard lock(mutex_);
    if (exit_code_) return;  // reaped: the pid may be someone else's now
    if (::kill(pid_, SIGKILL) != 0 && errno != ESRCH) ec = last_system_error();
  }

 private:
  std::optional<int> exit_code() {
    std::lock_guard lock(mutex_);
    return exit_code_;
  }

  // The exit code once the child has exited (reaping it), else nothing.
  std::optional<int> reap(std::error_code& ec) {
    std::lock_guard lock(mutex_);
    if (exit_code_) return exit_code_;
    int status = 0;
    pid_t r;
    do {
      r = ::waitpid(pid_, &status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r < 0) ec = last_system_error();
    if (r > 0) exit_code_ = exit_code_of(status);
    return exit_code_;
  }

  asio::io_context& io_;
  pid_t pid_;
  std::unique_ptr<exit_watch> watch_;
  std::mutex mutex_;
  std::optional<int> exit_code_;
};

// Everything spawn_child prepares before posix_spawn, owned until the child
// is started: the parent's ends outlive it, the child's are closed after.
struct child_ends {
  owned_fd channel_parent, channel_child;
  owned_fd stdio_parent[3], stdio_child[3];
};

std::error_code plan_child(spawn_plan& plan, const spawn_options& options, child_ends& ends) {
  const stdio streams[3] = {options.std_in, options.std_out, options.std_err};
  for (int target = 0; target < 3; ++target) {
    if (auto ec = plan_stdio(plan, streams[target], target, ends.stdio_parent[target],
                             ends.stdio_child[target]))
      return ec;
  }
  if (options.with_channel) {
    if (auto ec = cloexec_socketpair(ends.channel_parent, ends.channel_child)) return ec;
    if (auto ec = raise_above_targets(ends.channel_child)) return ec;
    // dup2 clears close-on-exec on the copy: the one descriptor meant for it.
    ::posix_spawn_file_actions_adddup2(&plan.actions, ends.channel_child.get(), child_channel_fd);
  }
  inherit_only_named(plan, options.with_channel ? child_channel_fd + 1 : child_channel_fd);
  default_signals(plan);
  if (!options.working_directory.empty())
    ::posix_spawn_file_actions_addchdir_np(&plan.actions, options.working_directory.c_str());
  ::posix_spawnattr_setflags(&plan.attributes, plan.flags);
  return {};
}

std::error_code check_strings(std::string_view program, const std::vector<std::string>& args,
                              const spawn_options& options) {
  bool bad = has_nul(program) || has_nul(options.working_directory);
  for (const auto& a : args) bad = bad || has_nul(a);
  if (options.environment)
    for (const auto& e : *options.environment) bad = bad || has_nul(e);
  if (bad) note_failure("a NUL byte in the program, an argument or the environment");
  return bad ? make_error_code(errc::invalid_argument) : std::error_code{};
}

std::error_code check_directory(const std::string& dir) {
  if (dir.empty()) return {};
  struct stat st{};
  const int e = ::stat(dir.c_str(), &st) != 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
  if (e == 0) return {};
  note_failure(fmt::format("working directory {}: {}", dir, describe_native_error(e)));
  return cannot_run(e);
}

}  // namespace

bool has_exited(pid_t pid) noexcept {
  siginfo_t info{};
  int r;
  do {
    r = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
  } while (r < 0 && errno == EINTR);
  return r < 0 || info.si_pid != 0;  // ECHILD: reaped already
}

std::shared_ptr<child_backend> spawn_child(asio::io_context& io, std::string_view program,
                                           const std::vector<std::string>& args,
                                           const spawn_options& options, std::error_code& ec) {
  if ((ec = check_strings(program, args, options))) return nullptr;
  const auto path = resolve_program(program, ec);
  if (!path) return nullptr;
  if ((ec = check_directory(options.working_directory))) return nullptr;

  spawn_plan plan;
  child_ends ends;
  if ((ec = plan_child(plan, options, ends))) return nullptr;

  std::vector<std::string> argv_strings{std::string(program)};  // argv[0] as given, as a shell does
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  auto env_strings = child_environment(options);
  auto argv = c_strings(argv_strings);
  auto envp = c_strings(env_strings);

  // glibc 2.24+ and macOS report a failed exec here, never as a child
  // exiting 127; resolve_program has already caught the usual causes.
  pid_t pid = -1;
  if (const int e =
          ::posix_spawn(&pid, path->c_str(), &plan.actions, &plan.attributes, argv.data(),
                        envp.data())) {
    ec = cannot_run(e);
    note_failure(fmt::format("posix_spawn {}: {}", *path, describe_native_error(e)));
    return nullptr;
  }
  ends.channel_child.reset();
  for (auto& end : ends.stdio_child) end.reset();

  auto watch = watch_exit(io, pid, ec);
  if (!watch) {
    ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    note_failure("cannot watch the child for its exit");
    return nullptr;
  }
  auto child = std::make_shared<posix_child>(io, pid, std::move(watch));
  const auto child_pid = static_cast<std::uint64_t>(pid);
  if (options.with_channel) {
    auto channel = socket_channel(io, ends.channel_parent, fmt::format("spawn://child/{}", pid),
                                  options.max_message_size, this_user(child_pid), ec);
    if (!channel) return nullptr;  // the child reads end of file, and posix_child reaps it
    child->channel = strait::channel(std::move(channel));
  }
  const auto adopt = [&](auto& pipe, owned_fd& end) {
    if (end.get() < 0 || ec) return;
    pipe.assign(end.get(), ec);
    if (ec) ec = map_error(ec);
    else end.release();
  };
  adopt(child->std_in, ends.stdio_parent[0]);
  adopt(child->std_out, ends.stdio_parent[1]);
  adopt(child->std_err, ends.stdio_parent[2]);
  return ec ? nullptr : child;
}

}  // namespace strait::detail
