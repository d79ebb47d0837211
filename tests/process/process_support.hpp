// Shared by the strait::spawn tests: the child helper beside the test, and
// bounds that only mean "did not hang".
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <strait/strait.hpp>

#include "child_process.hpp"

namespace strait::process_test {

using namespace std::chrono_literals;

inline constexpr auto io_timeout = 20s;
inline constexpr auto exit_timeout = 20s;

// strait_process_child, built beside the running test.
inline std::string child_program() {
  const auto self = test::self_executable_path();
  return (self.parent_path() / ("strait_process_child" + self.extension().string())).string();
}

inline strait::spawn_options no_channel() {
  strait::spawn_options options;
  options.with_channel = false;
  return options;
}

inline strait::spawn_options stdout_piped() {
  strait::spawn_options options;
  options.std_out = strait::stdio::pipe;
  return options;
}

inline void bound(strait::channel& ch) {
  ch.set_send_timeout(io_timeout);
  ch.set_receive_timeout(io_timeout);
}

// Starts `program`, its channel's blocking calls bounded.
inline strait::child start_child_program(asio::io_context& io, const std::string& program,
                                         const std::vector<std::string>& args,
                                         const strait::spawn_options& options = {}) {
  auto c = strait::spawn(io, program, args, options);
  if (options.with_channel) bound(c.channel());
  return c;
}

// Starts the helper in `role`.
inline strait::child start_child(asio::io_context& io, const std::vector<std::string>& role_args,
                                 const strait::spawn_options& options = {}) {
  return start_child_program(io, child_program(), role_args, options);
}

// The exit code; a child still running after exit_timeout is killed and fails the test.
inline int exit_code(strait::child& c) {
  if (const auto code = c.wait_for(exit_timeout)) return *code;
  c.terminate();
  c.wait();
  throw std::runtime_error("the child did not exit within the bound");
}

inline std::string text(const std::vector<std::byte>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace strait::process_test
