// Catch2 for strait's tests: v2 or v3, whichever the build found
// (cmake/StraitCatch2.cmake sets STRAIT_CATCH2_V3 on strait::catch2_main),
// and readable failure messages for strait's error codes.
#pragma once

#include <string>
#include <system_error>

#if defined(STRAIT_CATCH2_V3) && STRAIT_CATCH2_V3
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif

#include <strait/error.hpp>

namespace Catch {

// "strait: broken pipe (errno 32: Broken pipe)" rather than "strait:800".
template <>
struct StringMaker<std::error_code> {
  static std::string convert(const std::error_code& ec) {
    if (!ec) return "success";
    return std::string(ec.category().name()) + ": " + ec.message();
  }
};

template <>
struct StringMaker<strait::errc> {
  static std::string convert(strait::errc e) {
    return "strait::errc(" + strait::make_error_code(e).message() + ")";
  }
};

}  // namespace Catch

namespace strait::test {

// CHECK_THAT(text, contains("part")) with either major version.
inline auto contains(const std::string& part) {
#if defined(STRAIT_CATCH2_V3) && STRAIT_CATCH2_V3
  return Catch::Matchers::ContainsSubstring(part);
#else
  return Catch::Matchers::Contains(part);
#endif
}

}  // namespace strait::test
