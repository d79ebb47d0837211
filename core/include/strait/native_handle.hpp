// The one place a public header names an OS type.
#pragma once

namespace strait {

#ifdef _WIN32
using native_handle_type = void*;  // HANDLE, or a SOCKET cast to one
#else
using native_handle_type = int;    // a file descriptor
#endif

}  // namespace strait
