// strait's headers as a consumer sees them (README, "Using strait from CMake"): its
// own _WIN32_WINNT, all of <windows.h>, its min and max macros. strait's own
// build defines the lean set for its whole tree; this file undoes it first.
#undef _WIN32_WINNT
#undef WIN32_LEAN_AND_MEAN
#undef NOMINMAX
#define _WIN32_WINNT 0x0601

#include <chrono>
#include <string>

#include "catch.hpp"  // first: Catch2 is not this test's subject

// asio's rule: winsock2.h (through asio) before <windows.h>.
#include <strait/strait.hpp>

#include <windows.h>

// Declared by <commdlg.h>, which WIN32_LEAN_AND_MEAN leaves out of <windows.h>.
static_assert(sizeof(OPENFILENAMEW) > 0);

TEST_CASE("win32.consumer_with_full_windows_h_and_its_own_win32_winnt", "[consumer]") {
  const strait::endpoint ep = strait::parse_endpoint("pipe://consumer");
  CHECK(ep.name == "consumer");
  CHECK(strait::infinite == (std::chrono::nanoseconds::max)());
  CHECK(max(ep.name.size(), std::size_t{1}) == 8);  // <windows.h>'s macro, which consumers may use
}
