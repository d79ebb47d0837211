// Windows: the exit handlers of a DLL (a shared strait, or a user's DLL with
// strait in it) run at DLL_PROCESS_DETACH. At process exit that comes after
// ExitProcess ended every other thread wherever it was, perhaps holding a
// lock that stopping or joining it takes (library_exit.hpp).
#include "library_exit.hpp"

#include <windows.h>

#include "ntdll_call.hpp"

namespace strait::detail {

void keep_library_loaded() noexcept {
  // Pinned: FreeLibrary no longer unloads the module holding this code, so
  // its exit handlers run only at process exit. A static strait pins the
  // executable (or the user's DLL) it is part of.
  HMODULE self = nullptr;
  ::GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                       reinterpret_cast<LPCWSTR>(reinterpret_cast<void*>(&keep_library_loaded)),
                       &self);
}

bool other_threads_ended_by_exit() noexcept {
  // TRUE from the start of the DLL_PROCESS_DETACH calls of process exit
  // (ExitProcess, or exit() after its handlers); FALSE while an executable's
  // exit() runs its handlers and for FreeLibrary. Documented, exported by
  // ntdll, declared in no SDK header.
  using shutdown_query = BOOLEAN(NTAPI*)();
  const auto in_progress = ntdll_call<shutdown_query>("RtlDllShutdownInProgress");
  return in_progress && in_progress();
}

}  // namespace strait::detail
