// A blocking socket call that waits in the kernel, its deadline carried by
// the socket's own timeout (SO_RCVTIMEO / SO_SNDTIMEO): one system call per
// send or receive, with or without a timeout (issue 13), where a
// non-blocking call, poll and the call again made three.
//
// The timeout is set only when a call's deadline needs another: a channel
// whose every deadline is its fixed timeout from now sets it once. A call
// that the kernel ends early (a deadline further out than the timeout set,
// a signal) or that finds the socket non-blocking (asio made it so for an
// async operation) waits out the rest in poll: never early, at worst an
// extra wait. The kernel ends a timed-out call on its timer wheel, a few ms
// late, and up to about 1/8 of a long timeout late on Linux.
#pragma once

#include <cerrno>
#include <chrono>
#include <system_error>

#include "socket_support.hpp"

namespace strait::detail {

// The flags of a call on `s` that may wait until `until`, in direction
// `what` (read: SO_RCVTIMEO, write: SO_SNDTIMEO), after setting the
// socket's timeout when `armed` (what it was last set to) does not fit the
// deadline. MSG_DONTWAIT when the deadline has passed: then the call never
// waits.
int kernel_timeout_flags(native_socket s, socket_wait what, std::chrono::microseconds& armed,
                         deadline until) noexcept;

// After a call failed with EAGAIN: timed_out when `until` has passed (the
// kernel's timeout ran out); otherwise waits for `s` to be ready, in poll,
// up to `until` (the socket was non-blocking, or its timeout ended early).
std::error_code wait_after_would_block(native_socket s, socket_wait what,
                                       deadline until) noexcept;

// Whether `e` (an errno) says the call would have had to wait.
inline bool would_block(int e) noexcept { return e == EAGAIN || e == EWOULDBLOCK; }

}  // namespace strait::detail
