// copydata://: WM_COPYDATA, one-way with confirmed delivery.
//
//   strait::listener l = strait::listen(io, "copydata://orders");   // the one reader
//   strait::channel  r = l.accept();                                // receive-only
//   strait::channel  w = strait::connect(io, "copydata://orders", {.copydata_data = 7});
//   w.send(strait::buffer("one order"));  // returns once the reader has queued it
//   std::vector<std::byte> m = r.receive();
//   std::uintptr_t tag = strait::copydata_received_data(r);        // 7, the dwData
//
// On Windows the reader is a message-only window (HWND_MESSAGE) of class
// "strait.copydata.NAME", pumped by a thread of its own; a send is
// SendMessageTimeout(WM_COPYDATA), which returns when the reader's thread
// has queued the message. On POSIX the same semantics run over an AF_UNIX
// stream socket in the per-user runtime directory: the reader acknowledges
// each message once it is queued (docs/wire-format.md).
//
// copydata://window/CLASS[/TITLE] (Windows only) sends to an existing
// top-level or message-only window of any program; copydata_last_result()
// gives what its window procedure returned. Windows' UIPI refuses a send to a
// process of higher integrity (a program run as administrator, from one that
// is not): that send fails with access_denied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <system_error>

#include <strait/channel.hpp>
#include <strait/export.hpp>

namespace strait {

// The largest message (the default, and the most a reader's
// listen_options::max_message_size may ask for); WM_COPYDATA itself takes up
// to 4 GiB, but every message is copied whole into the reader.
inline constexpr std::size_t copydata_size_limit = 64u << 20;

// Messages a reader holds before it stops taking more: senders then wait
// (and time out, timed_out) until the reader's program receives.
inline constexpr std::size_t copydata_queue_limit = 64;

// The dwData that came with the message `reader` (a channel from
// listen("copydata://...")) received last, or is receiving (after a
// more_data, C3); 0 before the first. invalid_argument for other channels.
STRAIT_API std::uintptr_t copydata_received_data(const channel& reader, std::error_code& ec);
STRAIT_API std::uintptr_t copydata_received_data(const channel& reader);

// What the window procedure returned for the last send of `writer` (a
// channel from connect("copydata://...")): 0 before the first. A strait
// reader returns 1 for a message it queued. invalid_argument for other channels.
STRAIT_API std::intptr_t copydata_last_result(const channel& writer, std::error_code& ec);
STRAIT_API std::intptr_t copydata_last_result(const channel& writer);

}  // namespace strait
