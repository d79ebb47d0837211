// User SIDs and the current-user-only DACL (N2).
#include "security.hpp"

#include <aclapi.h>
#include <sddl.h>

#include <vector>

#include "backend.hpp"

namespace strait::detail {
namespace {

std::string sid_text(PSID sid) {
  char* text = nullptr;
  if (!sid || !::ConvertSidToStringSidA(sid, &text)) return {};
  std::unique_ptr<char, local_free> owned(text);
  return owned.get();
}

std::string token_user_sid(HANDLE token) {
  DWORD size = 0;
  ::GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  if (size == 0) return {};
  std::vector<unsigned char> info(size);
  if (!::GetTokenInformation(token, TokenUser, info.data(), size, &size)) return {};
  return sid_text(reinterpret_cast<TOKEN_USER*>(info.data())->User.Sid);
}

constexpr std::string_view administrators_sid = "S-1-5-32-544";

std::string process_token_sid(HANDLE process) {
  HANDLE token = nullptr;
  if (!::OpenProcessToken(process, TOKEN_QUERY, &token)) return {};
  const unique_handle owned(token);
  return token_user_sid(token);
}

}  // namespace

std::string current_user_sid() { return process_token_sid(::GetCurrentProcess()); }

std::string process_user_sid(DWORD pid) {
  const unique_handle process(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
  return process ? process_token_sid(process.get()) : std::string{};
}

std::string object_owner_sid(HANDLE object, bool* no_owner) {
  PSID owner = nullptr;
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (no_owner) *no_owner = false;
  if (::GetSecurityInfo(object, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION, &owner, nullptr,
                        nullptr, nullptr, &sd) != ERROR_SUCCESS)
    return {};
  const std::unique_ptr<std::remove_pointer_t<PSECURITY_DESCRIPTOR>, local_free> owned(sd);
  if (no_owner) *no_owner = owner == nullptr;
  return sid_text(owner);
}

std::error_code check_server_user(std::string_view actual, std::string_view expected) {
  const std::string me = expected.empty() ? current_user_sid() : std::string(expected);
  if (!actual.empty() && actual == me) return {};
  return make_error_code(errc::access_denied, ERROR_ACCESS_DENIED);
}

std::error_code check_object_owner(std::string_view owner, std::string_view expected) {
  if (owner == administrators_sid) return {};
  return check_server_user(owner, expected);
}

private_security::private_security(PSECURITY_DESCRIPTOR sd) noexcept : descriptor_(sd) {
  attributes_.nLength = sizeof(attributes_);
  attributes_.lpSecurityDescriptor = sd;
  attributes_.bInheritHandle = FALSE;
}

std::unique_ptr<private_security> private_security::create(std::error_code& ec) {
  const auto sid = current_user_sid();
  if (sid.empty()) {
    ec = last_system_error();
    if (!ec) ec = make_error_code(errc::access_denied);
    return nullptr;
  }
  // Owned by this user; a protected DACL (no inherited entries) with one
  // entry: generic all for this user.
  const auto sddl = "O:" + sid + "D:P(A;;GA;;;" + sid + ")";
  PSECURITY_DESCRIPTOR sd = nullptr;
  if (!::ConvertStringSecurityDescriptorToSecurityDescriptorA(sddl.c_str(), SDDL_REVISION_1,
                                                               &sd, nullptr)) {
    ec = last_system_error();
    return nullptr;
  }
  ec = {};
  return std::unique_ptr<private_security>(new private_security(sd));
}

}  // namespace strait::detail
