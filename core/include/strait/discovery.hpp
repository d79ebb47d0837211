// What is running: the current user's strait endpoints and named objects on
// this machine, as `strait ls` shows them.
//
//   for (const auto& e : strait::list_local_endpoints())
//     fmt::print("{} {} {}\n", e.url.empty() ? e.name : e.url, e.pid.value_or(0),
//                e.state == strait::endpoint_state::stale ? "stale" : "live");
//
// Listed are the names strait itself places: on POSIX the entries of the
// per-user runtime directory (pipe://, unix://NAME, mailslot:// readers,
// shm:// listeners, shared_memory / named_mutex / named_semaphore /
// named_event); on Windows the strait objects of this logon session's
// namespace (Local\strait.*), which name every strait pipe listener, mailslot
// reader, shm:// listener and named object. Not listed: unix:///PATH sockets
// (they can live anywhere), mailslot://*/NAME broadcast readers (a UDP port
// shared by every reader), tcp:// listeners, and Global\ objects on Windows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <strait/export.hpp>

namespace strait {

// live: a process holds the name. stale: its owner died (POSIX only: a
// crashed process leaves its files, no lock on them); the next listener or
// create of the name reclaims it (C7, S2). Windows objects die with their
// last handle, so nothing there is stale.
enum class endpoint_state { live, stale };

struct local_endpoint {
  // "pipe", "unix", "mailslot", "shm", "copydata" (channels), or "shared_memory",
  // "named_mutex", "named_semaphore", "named_event" (named objects).
  std::string kind;
  // The NAME. On POSIX a name too long for a socket address is known only
  // by its socket file's hashed name (N1), "PREFIX~HASH", not a valid NAME.
  // Windows folds pipe, mailslot and copydata names to lower case (they ignore case).
  std::string name;
  // A URL connect() accepts, for a channel whose name is known; empty for
  // named objects and hashed names.
  std::string url;
  // A process holding it, where the OS says without disturbing it (Linux:
  // the holder of its lock, from /proc/locks); none on Windows.
  std::optional<std::uint64_t> pid;
  endpoint_state state = endpoint_state::live;
};

// Every endpoint and object listed, sorted by kind and name. An `ec` when the
// place they live cannot be read (POSIX: the runtime directory is not this
// user's, access_denied); an entry that vanishes while listed is left out.
// On POSIX it makes the runtime directory (0700) and its shm guard file when
// missing, as any strait call there does.
STRAIT_API std::vector<local_endpoint> list_local_endpoints(std::error_code& ec);

// Throwing overload: std::system_error.
STRAIT_API std::vector<local_endpoint> list_local_endpoints();

}  // namespace strait
