// What every named object (shared_memory, named_mutex, named_semaphore,
// named_event) shares: its options and how it was obtained.
//
// Names are the portable grammar of strait::is_valid_name (N1); anything else
// fails with errc::invalid_name before a system call is made. Objects are
// private to the user who created them (N2): a current-user-only DACL on
// Windows, mode 0600 objects under a per-user name and a 0700 runtime
// directory on POSIX.
#pragma once

namespace strait {

// Where a name is visible (N2: explicit, never implicit).
//   local   Windows: this logon session ("Local\"). POSIX: this user.
//   global  Windows: every session of the machine ("Global\"). POSIX has no
//           sessions: global is the same namespace as local (this user's),
//           so a local and a global object of one name are the same object.
enum class object_scope { local, global };

struct object_options {
  object_scope scope = object_scope::local;
};

}  // namespace strait
