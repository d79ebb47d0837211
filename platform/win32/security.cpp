// User SIDs and the current-user-only DACL (N2).
#include "security.hpp"

#include <sddl.h>

#include <vector>

#include "backend.hpp"

namespace strait::detail {
namespace {

std::string token_user_sid(HANDLE token) {
  DWORD size = 0;
  ::GetTokenInformation(token, TokenUser, nullptr, 0, &size);
  if (size == 0) return {};
  std::vector<unsigned char> info(size);
  if (!::GetTokenInformation(token, TokenUser, info.data(), size, &size)) return {};
  char* text = nullptr;
  if (!::ConvertSidToStringSidA(reinterpret_cast<TOKEN_USER*>(info.data())->User.Sid, &text))
    return {};
  std::unique_ptr<char, local_free> owned(text);
  return owned.get();
}

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
  // Protected DACL (no inherited entries), one entry: generic all for this user.
  const auto sddl = "D:P(A;;GA;;;" + sid + ")";
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
