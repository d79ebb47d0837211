// Issue 12.2 on Windows: running out of handles, sockets or kernel memory is
// resource_exhausted, which the strait tool and the examples answer by
// pausing and accepting again (the same portable code as on POSIX, held there
// by security.*emfile*). Wine has no handle limit to exhaust and no way to
// lower one from inside, so what is checked here is the classification of
// the errors Windows gives then.
#include <winsock2.h>
#include <windows.h>

#include <strait/error.hpp>

#include "backend.hpp"  // core/src: map_system_error
#include "catch.hpp"

TEST_CASE("security.win32_exhaustion_is_resource_exhausted", "[emfile]") {
  for (const DWORD e : {DWORD{WSAEMFILE}, DWORD{WSAENOBUFS}, DWORD{ERROR_TOO_MANY_OPEN_FILES},
                        DWORD{ERROR_NO_SYSTEM_RESOURCES}, DWORD{ERROR_NOT_ENOUGH_MEMORY},
                        DWORD{ERROR_OUTOFMEMORY}, DWORD{ERROR_COMMITMENT_LIMIT}}) {
    INFO("Win32 error " << e);
    const auto ec = strait::detail::map_system_error(static_cast<int>(e));
    CHECK(ec == strait::errc::resource_exhausted);
    CHECK(strait::native_error(ec) == static_cast<int>(e));  // kept for diagnostics
  }
}
