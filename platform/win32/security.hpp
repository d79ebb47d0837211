// Who owns what: user SIDs and the default "this user only" security of the
// objects strait creates (N2).
#pragma once

#include <windows.h>

#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "handle.hpp"

namespace strait::detail {

// The SID of the user a process runs as ("S-1-5-21-..."), or "" when the
// process cannot be asked (gone, or not ours to query).
std::string current_user_sid();
std::string process_user_sid(DWORD pid);

// The owner SID of a kernel object, pipe or mailslot handle (the handle needs
// READ_CONTROL, which GENERIC_READ, GENERIC_WRITE and *_ALL_ACCESS include),
// or "" when it cannot be read. `no_owner`, when given, says whether the
// system read the security and it names no owner (Wine, for a mailslot
// writer's handle), rather than failing.
std::string object_owner_sid(HANDLE object, bool* no_owner = nullptr);

// Names are machine-wide on Windows: another user can create \\.\pipe\NAME,
// a mailslot or a named object before ours exists and so receive what our
// clients send (squatting). These say whether what we reached belongs to the
// user we expect (N2); `expected` empty means the current user.
//
// A server process run by `actual` (a SID string, "" when unknown).
std::error_code check_server_user(std::string_view actual, std::string_view expected);
// An object owned by `owner`. Objects an elevated administrator creates
// without naming an owner belong to BUILTIN\Administrators, which only an
// administrator (outside the threat model, docs/security.md) can make.
std::error_code check_object_owner(std::string_view owner, std::string_view expected);

// Security attributes whose DACL grants everything to the current user and
// nothing to anyone else, and whose owner is the current user, elevated or
// not, so that check_object_owner recognises what we made (N2). Non-copyable: `attributes()` points into it.
class private_security {
 public:
  // Builds the descriptor from this process's token user.
  static std::unique_ptr<private_security> create(std::error_code& ec);

  SECURITY_ATTRIBUTES* attributes() noexcept { return &attributes_; }

 private:
  explicit private_security(PSECURITY_DESCRIPTOR sd) noexcept;

  std::unique_ptr<std::remove_pointer_t<PSECURITY_DESCRIPTOR>, local_free> descriptor_;
  SECURITY_ATTRIBUTES attributes_{};
};

}  // namespace strait::detail
