#include <strait/error.hpp>

#include <algorithm>
#include <array>
#include <string_view>
#include <type_traits>
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

// Trivially destructible on purpose: a thread_local with a destructor makes the
// C++ runtime create a thread-exit key, and a shared strait on Windows deletes
// that key at DLL_PROCESS_DETACH under the thread library's lock, which a
// thread ended by ExitProcess may hold: the process never exits
// (library_exit.hpp). A longer note is cut, marked with an ellipsis.
struct failure_note_text {
  std::array<char, failure_note_capacity> bytes;
  std::size_t size;
};
static_assert(std::is_trivially_destructible_v<failure_note_text>);
thread_local failure_note_text failure_note{};

}  // namespace

void note_failure(std::string why) {
  constexpr std::string_view cut = "\u2026";
  auto& note = failure_note;
  std::size_t keep = why.size();
  if (keep > note.bytes.size()) {
    keep = note.bytes.size() - cut.size();
    while (keep > 0 && (static_cast<unsigned char>(why[keep]) & 0xC0) == 0x80)
      --keep;  // not inside a UTF-8 sequence
    why.replace(keep, std::string::npos, cut);
  }
  std::copy(why.begin(), why.end(), note.bytes.begin());
  note.size = why.size();
}

std::string take_failure_note() {
  auto& note = failure_note;
  return {note.bytes.data(), std::exchange(note.size, 0)};
}

}  // namespace detail

}  // namespace strait
