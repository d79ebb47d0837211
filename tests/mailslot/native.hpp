// The platform's own mailslot API, without strait (native_<platform>.cpp):
// for interoperability tests on Windows, absent elsewhere.
#pragma once

#include <string>
#include <vector>

#include <asio/io_context.hpp>

namespace strait::mailslot_test {

// True under Wine (ntdll exports wine_get_version), for the expectations
// where Wine differs from Windows (WINE.md). False on POSIX.
bool running_under_wine();

// True where the native roles below exist (Windows).
bool has_native_mailslots();

// Peer roles (args after the role); they exit 77 where there are no native mailslots.
// native-read NAME REPORT_URL COUNT: CreateMailslot + ReadFile, COUNT tagged
// messages of writer 0 in order.
int native_read(asio::io_context& io, const std::vector<std::string>& args);
// native-write NAME COUNT: CreateFile + WriteFile, COUNT tagged messages of writer 0.
int native_write(asio::io_context& io, const std::vector<std::string>& args);
// native-write-size NAME SIZE: one WriteFile of SIZE bytes; exit 0 whether
// Windows refused it or not, 1 when it could not even try.
int native_write_size(asio::io_context& io, const std::vector<std::string>& args);

// The message size limit the native roles use for tagged messages.
inline constexpr std::size_t native_limit = 4096;

}  // namespace strait::mailslot_test
