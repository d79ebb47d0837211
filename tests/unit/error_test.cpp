// The error model: one category, errc comparisons that ignore the native
// value, the native value kept for diagnostics, std::errc conditions.
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <strait/error.hpp>

#include "backend.hpp"
#include "catch.hpp"

using strait::errc;

namespace {

const std::vector<errc> all_errcs{
    errc::not_found,         errc::pipe_busy,         errc::broken_pipe,
    errc::more_data,         errc::message_too_large, errc::already_exists,
    errc::timed_out,         errc::access_denied,     errc::invalid_name,
    errc::abandoned,         errc::operation_aborted, errc::invalid_argument,
    errc::not_supported,     errc::protocol_error,    errc::resource_exhausted,
    errc::io_error,
};

// A native value no platform maps to anything in particular.
constexpr int native = 231;

}  // namespace

TEST_CASE("error.codes_compare_by_errc_only", "[error]") {
  for (const auto e : all_errcs) {
    const auto plain = strait::make_error_code(e);
    const auto with_native = strait::make_error_code(e, native);
    INFO(plain.message());
    CHECK(plain.category() == strait::category());
    CHECK(with_native.category() == strait::category());
    CHECK(static_cast<bool>(plain));
    CHECK(plain == e);
    CHECK(with_native == e);
    CHECK(strait::to_errc(with_native) == e);
    const std::error_code implicit = e;  // is_error_code_enum
    CHECK(implicit == e);
    for (const auto other : all_errcs) {
      if (other == e) continue;
      CHECK_FALSE(plain == other);
      CHECK_FALSE(with_native == other);
    }
  }
}

TEST_CASE("error.native_value_is_kept", "[error]") {
  for (const auto e : all_errcs) {
    INFO(strait::make_error_code(e).message());
    CHECK(strait::native_error(strait::make_error_code(e, native)) == native);
    CHECK(strait::native_error(strait::make_error_code(e)) == 0);
  }
  // Native values of every size a platform uses (Win32 errors reach 15999).
  CHECK(strait::native_error(strait::make_error_code(errc::io_error, 15999)) == 15999);
  CHECK(strait::make_error_code(errc::io_error, 15999) == errc::io_error);
}

TEST_CASE("error.messages_name_the_error_and_the_native_value", "[error]") {
  CHECK(std::string(strait::category().name()) == "strait");
  std::set<std::string> seen;
  for (const auto e : all_errcs) {
    const auto plain = strait::make_error_code(e).message();
    INFO(plain);
    CHECK_FALSE(plain.empty());
    CHECK(seen.insert(plain).second);  // each errc says something of its own
    const auto detailed = strait::make_error_code(e, native).message();
    CHECK_THAT(detailed, strait::test::contains(plain));
    CHECK_THAT(detailed, strait::test::contains(std::to_string(native)));
  }
  const std::system_error thrown(strait::make_error_code(errc::pipe_busy, native), "connect");
  CHECK(thrown.code() == errc::pipe_busy);
  CHECK_THAT(thrown.what(), strait::test::contains("connect"));
}

TEST_CASE("error.default_conditions_match_std_errc", "[error]") {
  const std::vector<std::pair<errc, std::errc>> conditions{
      {errc::timed_out, std::errc::timed_out},
      {errc::not_found, std::errc::no_such_file_or_directory},
      {errc::already_exists, std::errc::file_exists},
      {errc::access_denied, std::errc::permission_denied},
      {errc::broken_pipe, std::errc::broken_pipe},
      {errc::operation_aborted, std::errc::operation_canceled},
      {errc::invalid_argument, std::errc::invalid_argument},
      {errc::message_too_large, std::errc::message_size},
      {errc::not_supported, std::errc::not_supported},
      {errc::pipe_busy, std::errc::resource_unavailable_try_again},
  };
  for (const auto& [e, condition] : conditions) {
    INFO(strait::make_error_code(e).message());
    CHECK(strait::make_error_code(e) == condition);
    CHECK(strait::make_error_code(e, native) == condition);
    // ...and no other errc maps onto that condition by mistake.
    for (const auto& [other, other_condition] : conditions)
      if (other != e) CHECK_FALSE(strait::make_error_code(other) == condition);
  }
}

TEST_CASE("error.foreign_codes_are_not_strait_codes", "[error]") {
  const std::error_code success;
  const auto generic = std::make_error_code(std::errc::no_such_file_or_directory);
  for (const auto e : all_errcs) {
    CHECK_FALSE(success == e);
    CHECK_FALSE(generic == e);
  }
  CHECK(strait::to_errc(generic) == errc{});
  CHECK(strait::to_errc(success) == errc{});
  CHECK(strait::native_error(generic) == generic.value());
}

TEST_CASE("error.failure_note_is_taken_once_and_per_thread", "[error]") {
  using strait::detail::note_failure;
  using strait::detail::take_failure_note;
  note_failure("/run/user/1000/strait/x: owned by uid 0");
  std::string elsewhere = "untouched";
  std::thread([&] { elsewhere = take_failure_note(); }).join();
  CHECK(elsewhere.empty());
  CHECK(take_failure_note() == "/run/user/1000/strait/x: owned by uid 0");
  CHECK(take_failure_note().empty());
}

TEST_CASE("error.long_failure_note_is_cut_whole_characters_and_marked", "[error]") {
  using strait::detail::failure_note_capacity;
  // Two-byte characters, so that the cut falls inside one unless it is moved.
  std::string path = "/";
  while (path.size() < 3 * failure_note_capacity) path += "\xC3\xA9";
  strait::detail::note_failure(path);
  const auto note = strait::detail::take_failure_note();
  REQUIRE(note.size() <= failure_note_capacity);
  CHECK(note.size() > failure_note_capacity - 8);
  const std::string ellipsis = "\xE2\x80\xA6";
  REQUIRE(note.size() > ellipsis.size());
  CHECK(note.substr(note.size() - ellipsis.size()) == ellipsis);
  const auto kept = note.substr(0, note.size() - ellipsis.size());
  CHECK(path.compare(0, kept.size(), kept) == 0);
  CHECK((kept.size() - 1) % 2 == 0);  // "/" and whole two-byte characters
}
