// Process exit as seen by a thread the library keeps for the process's
// lifetime (the shm:// service thread): when its exit handler may still stop
// and join it. The platform's answer is in platform/<platform>/library_exit.cpp.
#pragma once

namespace strait::detail {

// Keeps the library's code loaded until the process exits. Called once such
// a thread runs: unloading the code under it would crash it, and joining it
// from an unloading library's exit handlers can hang (Windows: FreeLibrary
// runs them under the loader lock, which the ending thread needs).
void keep_library_loaded() noexcept;

// True when the process is exiting and the system has already ended every
// other thread: a shared strait on Windows runs its exit handlers at
// DLL_PROCESS_DETACH, after ExitProcess did so. Such a thread may have died
// inside a lock, so an exit handler must not wait for it or stop it then.
bool other_threads_ended_by_exit() noexcept;

}  // namespace strait::detail
