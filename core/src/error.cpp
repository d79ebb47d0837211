#include <strait/error.hpp>

#include <utility>

#include <fmt/format.h>

#include "backend.hpp"

namespace strait {
namespace {

const char* describe(errc e) noexcept {
  switch (e) {
    case errc::not_found: return "not found";
    case errc::pipe_busy: return "pipe busy";
    case errc::broken_pipe: return "broken pipe";
    case errc::more_data: return "more data";
    case errc::message_too_large: return "message too large";
    case errc::already_exists: return "already exists";
    case errc::timed_out: return "timed out";
    case errc::access_denied: return "access denied";
    case errc::invalid_name: return "invalid name";
    case errc::abandoned: return "abandoned";
    case errc::operation_aborted: return "operation aborted";
    case errc::invalid_argument: return "invalid argument";
    case errc::not_supported: return "not supported";
    case errc::protocol_error: return "protocol error";
    case errc::resource_exhausted: return "resource exhausted";
    case errc::io_error: return "I/O error";
  }
  return "unknown strait error";
}

class strait_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "strait"; }

  std::string message(int value) const override {
    const auto e = static_cast<errc>(value & 0xff);
    const int native = value >> 8;
    if (native == 0) return describe(e);
    return fmt::format("{} ({})", describe(e), detail::describe_native_error(native));
  }

  // Lets `ec == std::errc::timed_out` and friends work on strait codes.
  std::error_condition default_error_condition(int value) const noexcept override {
    switch (static_cast<errc>(value & 0xff)) {
      case errc::not_found: return std::errc::no_such_file_or_directory;
      case errc::pipe_busy: return std::errc::resource_unavailable_try_again;
      case errc::broken_pipe: return std::errc::broken_pipe;
      case errc::message_too_large: return std::errc::message_size;
      case errc::already_exists: return std::errc::file_exists;
      case errc::timed_out: return std::errc::timed_out;
      case errc::access_denied: return std::errc::permission_denied;
      case errc::operation_aborted: return std::errc::operation_canceled;
      case errc::invalid_argument: return std::errc::invalid_argument;
      case errc::invalid_name: return std::errc::invalid_argument;
      case errc::not_supported: return std::errc::not_supported;
      case errc::protocol_error: return std::errc::protocol_error;
      case errc::resource_exhausted: return std::errc::not_enough_memory;
      case errc::io_error: return std::errc::io_error;
      default: return {value, *this};
    }
  }
};

}  // namespace

const std::error_category& category() noexcept {
  static const strait_category instance;
  return instance;
}

namespace detail {
namespace {
thread_local std::string failure_note;
}  // namespace

void note_failure(std::string why) { failure_note = std::move(why); }

std::string take_failure_note() { return std::exchange(failure_note, {}); }

}  // namespace detail

}  // namespace strait
