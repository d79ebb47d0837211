// list_local_endpoints() on Windows: strait's kernel objects in this logon
// session's namespace (Local\ is \Sessions\N\BaseNamedObjects), read with
// the native directory calls NtOpenDirectoryObject / NtQueryDirectoryObject:
//
//   strait.pipe.NAME      the mutex a pipe:// listener holds, a shm://
//                         listener's control pipe included (pipe_listener.cpp)
//   strait.mailslot.NAME  the mapping a mailslot reader publishes (mailslot.hpp)
//   strait.copydata.NAME  the mutex a copydata:// reader holds (copydata.hpp)
//   strait.KIND.NAME      named objects, KIND shm, mutex, sem, event
//                         (named_object.hpp)
//
// The pipe and mailslot objects are named in lower case (those names ignore
// case); a pipe's own spelling comes from the pipe file system
// (FindFirstFileW on \\.\pipe\*). The mailslot file system cannot be listed
// that way, hence the published object. Nothing is stale: a kernel object
// dies with its last handle. No pid: Windows tells who serves a pipe only to
// a connected client (GetNamedPipeServerProcessId), and connecting would take
// one of the listener's instances. Global\ objects are not listed: that
// namespace holds every user's.
#include <windows.h>
#include <winternl.h>

#include <cstddef>
#include <cwctype>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "discovery_backend.hpp"
#include "handle.hpp"
#include "ntdll_call.hpp"

namespace strait::detail {
namespace {

// The native API's directory calls (ntdll_call.hpp).
struct object_directory_information {
  UNICODE_STRING name;
  UNICODE_STRING type_name;
};
using open_directory_call = NTSTATUS(NTAPI*)(HANDLE*, ACCESS_MASK, OBJECT_ATTRIBUTES*);
using query_directory_call = NTSTATUS(NTAPI*)(HANDLE, void*, ULONG, BOOLEAN, BOOLEAN, ULONG*,
                                              ULONG*);
using status_to_error_call = ULONG(NTAPI*)(NTSTATUS);
constexpr ACCESS_MASK directory_query = 0x0001;
constexpr NTSTATUS status_no_more_entries = static_cast<NTSTATUS>(0x8000001AL);

std::error_code map_status(NTSTATUS status) {
  const auto to_error = ntdll_call<status_to_error_call>("RtlNtStatusToDosError");
  return to_error ? map_system_error(static_cast<int>(to_error(status)))
                  : make_error_code(errc::not_supported);
}

// Names are ASCII by the grammar (N1); anything else is not strait's.
std::string narrow(std::wstring_view text) {
  std::string out;
  for (const wchar_t c : text) {
    if (c < 0x20 || c > 0x7e) return {};
    out += static_cast<char>(c);
  }
  return out;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::towlower(static_cast<wint_t>(c)));
  return text;
}

// This session's Local\ directory.
std::wstring session_directory() {
  DWORD session = 0;
  if (!::ProcessIdToSessionId(::GetCurrentProcessId(), &session) || session == 0)
    return L"\\BaseNamedObjects";
  return L"\\Sessions\\" + std::to_wstring(session) + L"\\BaseNamedObjects";
}

// The names in `path` that start with `prefix`, with the prefix removed.
std::vector<std::string> object_names(const std::wstring& path, std::string_view prefix,
                                      std::error_code& ec) {
  const auto open_directory = ntdll_call<open_directory_call>("NtOpenDirectoryObject");
  const auto query_directory = ntdll_call<query_directory_call>("NtQueryDirectoryObject");
  if (!open_directory || !query_directory) {
    ec = make_error_code(errc::not_supported);
    return {};
  }
  UNICODE_STRING name{};
  name.Buffer = const_cast<wchar_t*>(path.c_str());
  name.Length = static_cast<USHORT>(path.size() * sizeof(wchar_t));
  name.MaximumLength = name.Length;
  OBJECT_ATTRIBUTES attributes{};
  attributes.Length = sizeof(attributes);
  attributes.ObjectName = &name;
  attributes.Attributes = OBJ_CASE_INSENSITIVE;
  HANDLE raw = nullptr;
  NTSTATUS status = open_directory(&raw, directory_query, &attributes);
  if (status < 0) {
    ec = map_status(status);
    return {};
  }
  const unique_handle directory(raw);
  std::vector<std::string> names;
  // One entry per call: older Wine answers only those.
  alignas(object_directory_information) std::byte buffer[4096];
  ULONG context = 0;
  for (BOOLEAN restart = TRUE;; restart = FALSE) {
    ULONG length = 0;
    status = query_directory(directory.get(), buffer, sizeof(buffer), TRUE, restart, &context,
                             &length);
    if (status == status_no_more_entries) break;
    if (status < 0) {
      ec = map_status(status);
      return {};
    }
    const auto* entry = reinterpret_cast<const object_directory_information*>(buffer);
    const auto text = narrow({entry->name.Buffer, entry->name.Length / sizeof(wchar_t)});
    if (text.starts_with(prefix)) names.push_back(text.substr(prefix.size()));
  }
  ec = {};
  return names;
}

// The pipes of \\.\pipe\ by their names in lower case, with their own spelling.
std::map<std::string, std::string> pipe_spellings() {
  std::map<std::string, std::string> spellings;
  WIN32_FIND_DATAW found{};
  const HANDLE search = ::FindFirstFileW(L"\\\\.\\pipe\\*", &found);
  if (search == INVALID_HANDLE_VALUE) return spellings;
  do {
    if (auto name = narrow(found.cFileName); !name.empty()) spellings.emplace(lower(name), name);
  } while (::FindNextFileW(search, &found));
  ::FindClose(search);
  return spellings;
}

}  // namespace

std::vector<local_endpoint> platform_local_endpoints(std::error_code& ec) {
  const auto names = object_names(session_directory(), "strait.", ec);
  if (ec) return {};
  const auto spellings = pipe_spellings();
  std::vector<local_endpoint> listed;
  for (const auto& kind_and_name : names) {
    const auto dot = kind_and_name.find('.');
    if (dot == std::string::npos) continue;
    const auto kind = std::string_view(kind_and_name).substr(0, dot);
    std::string name = kind_and_name.substr(dot + 1);
    if (kind == "pipe") {
      if (const auto s = spellings.find(name); s != spellings.end()) name = s->second;
      listed.push_back(listed_channel(kind, name));
    } else if (kind == "mailslot" || kind == "copydata") {
      listed.push_back(listed_channel(kind, name));
    } else if (auto object = listed_object(kind, name)) {
      listed.push_back(std::move(*object));
    }
  }
  return listed;
}

}  // namespace strait::detail
