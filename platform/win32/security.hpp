// Who owns what: user SIDs and the default "this user only" security of the
// objects strait creates (N2).
#pragma once

#include <windows.h>

#include <memory>
#include <string>
#include <system_error>
#include <type_traits>

#include "handle.hpp"

namespace strait::detail {

// The SID of the user a process runs as ("S-1-5-21-..."), or "" when the
// process cannot be asked (gone, or not ours to query).
std::string current_user_sid();
std::string process_user_sid(DWORD pid);

// Security attributes whose DACL grants everything to the current user and
// nothing to anyone else (N2). Non-copyable: `attributes()` points into it.
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
