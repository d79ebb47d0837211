#include <strait/process.hpp>

#include <fmt/format.h>

#include "process_backend.hpp"

namespace strait {
namespace {

std::error_code no_process() { return make_error_code(errc::not_found); }

template <class T>
T value_or_throw(T value, const std::error_code& ec, std::string_view what) {
  if (ec) {
    const std::string note = detail::take_failure_note();
    throw std::system_error(ec, note.empty() ? std::string(what)
                                             : fmt::format("{}: {}", what, note));
  }
  return value;
}

// The pipes of a child() that has no process: never open.
struct closed_pipes {
  asio::io_context io;
  asio::writable_pipe std_in{io};
  asio::readable_pipe std_out{io};
  asio::readable_pipe std_err{io};
  strait::channel channel;
};

closed_pipes& no_pipes() {
  static closed_pipes pipes;
  return pipes;
}

}  // namespace

child::child() noexcept = default;
child::child(std::shared_ptr<detail::child_backend> backend) noexcept
    : backend_(std::move(backend)) {}
child::child(child&&) noexcept = default;
child& child::operator=(child&&) noexcept = default;
child::~child() = default;

bool child::valid() const noexcept { return backend_ != nullptr; }
std::uint64_t child::pid() const noexcept { return backend_ ? backend_->pid() : 0; }

strait::channel& child::channel() noexcept {
  return backend_ ? backend_->channel : no_pipes().channel;
}
asio::writable_pipe& child::std_in() noexcept {
  return backend_ ? backend_->std_in : no_pipes().std_in;
}
asio::readable_pipe& child::std_out() noexcept {
  return backend_ ? backend_->std_out : no_pipes().std_out;
}
asio::readable_pipe& child::std_err() noexcept {
  return backend_ ? backend_->std_err : no_pipes().std_err;
}

int child::wait(std::error_code& ec) {
  if (!backend_) {
    ec = no_process();
    return -1;
  }
  return backend_->wait(detail::no_deadline, ec).value_or(-1);
}

int child::wait() {
  std::error_code ec;
  const int code = wait(ec);
  return value_or_throw(code, ec, fmt::format("wait for child {}", pid()));
}

std::optional<int> child::wait_for(duration timeout, std::error_code& ec) {
  if (!backend_) {
    ec = no_process();
    return std::nullopt;
  }
  return backend_->wait(detail::deadline_after(timeout), ec);
}

std::optional<int> child::wait_for(duration timeout) {
  std::error_code ec;
  auto code = wait_for(timeout, ec);
  return value_or_throw(code, ec, fmt::format("wait for child {}", pid()));
}

bool child::running() {
  std::error_code ec;
  return backend_ && !backend_->wait(detail::clock::time_point::min(), ec) && !ec;
}

void child::terminate(std::error_code& ec) {
  if (!backend_) {
    ec = no_process();
    return;
  }
  backend_->terminate(ec);
}

void child::terminate() {
  std::error_code ec;
  terminate(ec);
  value_or_throw(0, ec, fmt::format("terminate child {}", pid()));
}

asio::any_io_executor child::get_executor() const {
  if (!backend_) throw std::system_error(no_process(), "strait::child has no process");
  return backend_->get_executor();
}

void child::start_wait(detail::completion<void(std::error_code, int)> done) {
  backend_->async_wait(std::move(done));
}

child spawn(asio::io_context& io, std::string_view program, const std::vector<std::string>& args,
            const spawn_options& options, std::error_code& ec) {
  ec = {};
  detail::take_failure_note();  // a note from an earlier call is not this one's
  return child(detail::spawn_child(io, program, args, options, ec));
}

child spawn(asio::io_context& io, std::string_view program, const std::vector<std::string>& args,
            const spawn_options& options) {
  std::error_code ec;
  auto c = spawn(io, program, args, options, ec);
  return value_or_throw(std::move(c), ec, fmt::format("spawn {}", program));
}

channel parent_channel(asio::io_context& io, std::error_code& ec) {
  ec = {};
  detail::take_failure_note();
  return channel(detail::take_parent_channel(io, ec));
}

channel parent_channel(asio::io_context& io) {
  std::error_code ec;
  auto ch = parent_channel(io, ec);
  return value_or_throw(std::move(ch), ec, "strait::parent_channel");
}

std::pair<channel, channel> channel_pair(asio::io_context& io, std::size_t max_message_size,
                                         std::error_code& ec) {
  ec = {};
  detail::take_failure_note();
  auto [a, b] = detail::make_channel_pair(io, max_message_size, ec);
  return {channel(std::move(a)), channel(std::move(b))};
}

std::pair<channel, channel> channel_pair(asio::io_context& io, std::size_t max_message_size) {
  std::error_code ec;
  auto pair = channel_pair(io, max_message_size, ec);
  return value_or_throw(std::move(pair), ec, "strait::channel_pair");
}

}  // namespace strait
