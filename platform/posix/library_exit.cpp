// POSIX: exit handlers run from exit() or dlclose(), while every thread still
// runs, and ending a thread needs no lock they hold (library_exit.hpp).
#include "library_exit.hpp"

namespace strait::detail {

void keep_library_loaded() noexcept {}

bool other_threads_ended_by_exit() noexcept { return false; }

}  // namespace strait::detail
