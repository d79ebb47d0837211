// strait::spawn on POSIX: children that are not strait programs (sh), file
// permissions, signals.
#include <signal.h>
#include <sys/stat.h>

#include <cerrno>

#include <filesystem>
#include <thread>
#include <fstream>
#include <iterator>

#include <asio/read.hpp>
#include <asio/write.hpp>

#include "catch.hpp"
#include "process_support.hpp"

namespace pt = strait::process_test;
using strait::errc;

namespace {

// A file in a fresh temporary directory, with `mode`, removed with it.
struct scratch_file {
  scratch_file(const std::string& content, mode_t mode)
      : dir(std::filesystem::temp_directory_path() / strait::test::unique_name("spawn")),
        path(dir / "program") {
    std::filesystem::create_directory(dir);
    std::ofstream(path) << content;
    ::chmod(path.c_str(), mode);
  }
  ~scratch_file() { std::filesystem::remove_all(dir); }
  std::filesystem::path dir, path;
};

// PATH set to `value` while it lives.
struct path_set_to {
  explicit path_set_to(const std::string& value)
      : old(std::getenv("PATH") ? std::getenv("PATH") : "") {
    ::setenv("PATH", value.c_str(), 1);
  }
  ~path_set_to() { ::setenv("PATH", old.c_str(), 1); }
  std::string old;
};

// What the child writes to `pipe` until it closes it.
std::string read_to_end(asio::readable_pipe& pipe) {
  std::string out;
  std::error_code ec;
  asio::read(pipe, asio::dynamic_buffer(out), ec);
  return out;
}

}  // namespace

TEST_CASE("spawn.posix.shell_child_through_stdin_and_stdout_pipes", "[spawn][posix]") {
  asio::io_context io;
  strait::spawn_options options;
  options.with_channel = false;
  options.std_in = options.std_out = options.std_err = strait::stdio::pipe;
  // Found in PATH, as a shell finds it.
  auto c = strait::spawn(io, "sh", {"-c", "tr a-z A-Z; echo done >&2"}, options);
  std::string input(100000, 'a');
  for (std::size_t i = 0; i < input.size(); ++i) input[i] = static_cast<char>('a' + i % 26);
  // Written from a thread while this one reads: the pipes hold far less.
  std::thread writer([&] {
    asio::write(c.std_in(), asio::buffer(input));
    c.std_in().close();  // end of file for tr
  });
  std::string out;
  std::error_code ec;
  asio::read(c.std_out(), asio::dynamic_buffer(out), ec);
  writer.join();
  CHECK(ec == asio::error::eof);
  const auto err = read_to_end(c.std_err());
  CHECK(pt::exit_code(c) == 0);
  REQUIRE(out.size() == input.size());
  for (std::size_t i = 0; i < input.size(); ++i)
    if (out[i] != static_cast<char>('A' + i % 26)) FAIL("byte " << i << " is " << out[i]);
  CHECK(err == "done\n");
}

TEST_CASE("spawn.posix.discarded_streams_are_the_null_device", "[spawn][posix]") {
  asio::io_context io;
  strait::spawn_options options;
  options.with_channel = false;
  options.std_in = options.std_out = options.std_err = strait::stdio::discard;
  auto c = strait::spawn(io, "/bin/sh",
                         {"-c", "[ /dev/stdin -ef /dev/null ] && [ /dev/stdout -ef /dev/null ] && "
                                "[ /dev/stderr -ef /dev/null ]"},
                         options);
  CHECK(pt::exit_code(c) == 0);
}

TEST_CASE("spawn.posix.terminate_is_sigkill_128_plus_9", "[spawn][posix]") {
  asio::io_context io;
  auto c = pt::start_child(io, {"hang"});
  c.terminate();
  CHECK(pt::exit_code(c) == 128 + 9);
}

TEST_CASE("spawn.posix.killed_by_a_signal_is_128_plus_n", "[spawn][posix]") {
  asio::io_context io;
  auto c = strait::spawn(io, "/bin/sh", {"-c", "kill -TERM $$"}, pt::no_channel());
  CHECK(pt::exit_code(c) == 128 + 15);
}

TEST_CASE("spawn.posix.non_executable_file_is_access_denied", "[spawn][posix]") {
  asio::io_context io;
  std::error_code ec;
  scratch_file plain("#!/bin/sh\nexit 0\n", 0644);
  strait::spawn(io, plain.path.string(), {}, {}, ec);
  CHECK(ec == errc::access_denied);

  // Executable but no format exec knows (no #! line, not a binary).
  scratch_file no_format("just text\n", 0755);
  strait::spawn(io, no_format.path.string(), {}, {}, ec);
  CHECK(ec == errc::access_denied);

  // The same file found through PATH, with no executable one after it.
  scratch_file in_path("#!/bin/sh\nexit 0\n", 0644);
  {
    path_set_to path(in_path.dir.string());
    strait::spawn(io, "program", {}, {}, ec);
  }
  CHECK(ec == errc::access_denied);
}

TEST_CASE("spawn.posix.path_lookup_goes_past_a_non_executable_file", "[spawn][posix]") {
  // As a shell: the first executable `program` in PATH order runs.
  asio::io_context io;
  scratch_file not_executable("#!/bin/sh\necho first\n", 0644);
  scratch_file executable("#!/bin/sh\necho second\n", 0755);
  std::error_code ec;
  strait::child c;
  {
    path_set_to path(not_executable.dir.string() + ":" + executable.dir.string());
    c = strait::spawn(io, "program", {}, pt::stdout_piped(), ec);
  }
  REQUIRE_FALSE(ec);
  CHECK(read_to_end(c.std_out()) == "second\n");
  CHECK(pt::exit_code(c) == 0);
}

TEST_CASE("spawn.posix.script_with_arguments_kept_whole", "[spawn][posix]") {
  asio::io_context io;
  scratch_file script("#!/bin/sh\nprintf '%s|' \"$@\"\n", 0755);
  strait::spawn_options options;
  options.with_channel = false;
  options.std_out = strait::stdio::pipe;
  const std::vector<std::string> args{"two words", "", "quote\"s", "back\\slash\\", "$HOME"};
  auto c = strait::spawn(io, script.path.string(), args, options);
  CHECK(read_to_end(c.std_out()) == "two words||quote\"s|back\\slash\\|$HOME|");
  CHECK(pt::exit_code(c) == 0);
}

TEST_CASE("spawn.posix.a_child_let_go_is_reaped_not_left_a_zombie", "[spawn][posix]") {
  asio::io_context io;
  pid_t pid = 0;
  {
    auto c = pt::start_child(io, {"exit", "0"}, pt::no_channel());
    pid = static_cast<pid_t>(c.pid());
  }  // destroyed unwaited, maybe still running
  // A zombie still takes signal 0; a reaped pid is gone (ESRCH). The bound
  // only keeps a failure from hanging.
  const auto give_up = std::chrono::steady_clock::now() + pt::exit_timeout;
  while (::kill(pid, 0) == 0 && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(::kill(pid, 0) == -1);
  CHECK(errno == ESRCH);
}

TEST_CASE("spawn.posix.nul_in_an_argument_is_invalid_argument", "[spawn][posix]") {
  asio::io_context io;
  std::error_code ec;
  strait::spawn(io, "/bin/sh", {std::string("a\0b", 3)}, {}, ec);
  CHECK(ec == errc::invalid_argument);
}

#if defined(STRAIT_TEST_PYTHON3)
// The Python child of docs/wire-format.md ("Child processes"), as printed
// there, echoing what its strait parent sends until the parent closes.
TEST_CASE("spawn.posix.python_child_of_the_wire_format_page", "[spawn][posix][docs]") {
  std::ifstream page(STRAIT_TEST_WIRE_FORMAT_MD);
  const std::string markdown{std::istreambuf_iterator<char>(page), {}};
  const auto section = markdown.find("## Child processes");
  REQUIRE(section != std::string::npos);
  const auto begin = markdown.find("```python\n", section);
  REQUIRE(begin != std::string::npos);
  const auto end = markdown.find("```", begin + 10);
  const std::string code = markdown.substr(begin + 10, end - begin - 10) +
                           "while True:\n"
                           "    try: message = receive()\n"
                           "    except EOFError: break\n"
                           "    send(message)\n";
  asio::io_context io;
  auto c = pt::start_child_program(io, STRAIT_TEST_PYTHON3, {"-c", code});
  for (std::size_t size : {5u, 0u, 100000u}) {
    std::vector<std::byte> message(size, std::byte{'p'});
    c.channel().send(asio::buffer(message));
    CHECK(c.channel().receive() == message);
  }
  c.channel().close();
  CHECK(pt::exit_code(c) == 0);
}
#endif
