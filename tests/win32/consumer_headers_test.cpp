// strait's headers as a consumer sees them (README, "Using strait from CMake"):
// its own _WIN32_WINNT and all of <windows.h>. strait's own build defines the
// lean set for its whole tree; this file undoes it first. (The SDK's min and
// max macros cannot be tried here: MinGW's <windows.h> has none for C++, and
// libstdc++'s own headers do not survive them.)
#undef _WIN32_WINNT
#undef WIN32_LEAN_AND_MEAN
#undef NOMINMAX
#define _WIN32_WINNT 0x0601

#include <winsock2.h>  // asio's rule: before <windows.h>, which it includes in full
#include <windows.h>

#include <chrono>
#include <string>

#include <strait/strait.hpp>

#include "catch.hpp"

// Declared by <commdlg.h>, which WIN32_LEAN_AND_MEAN leaves out of <windows.h>.
static_assert(sizeof(OPENFILENAMEW) > 0);

TEST_CASE("win32.consumer_with_full_windows_h_and_its_own_win32_winnt", "[consumer]") {
  const strait::endpoint ep = strait::parse_endpoint("pipe://consumer");
  CHECK(ep.name == "consumer");
  CHECK(strait::infinite == (std::chrono::nanoseconds::max)());
}
