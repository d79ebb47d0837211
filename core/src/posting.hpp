// Posting a backend's handler to a channel's executor.
#pragma once

#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <strait/detail/completion.hpp>

namespace strait::detail {

// As asio::post(ex, h), but through the io_context's own executor when `ex`
// is one (as a channel's usually is). Posting through any_io_executor copies
// it for each of post's preferences and boxes the handler in a type-erased
// function: an io_context echo server over POSIX mailslot:// spent 12% of
// its instructions per echo on that (issue 13).
//
// Only with a handler whose type is local to one .cpp file: a lambda in a
// function defined there, or in a member of a class in its anonymous
// namespace. asio's executor instantiates its execute<F> on the handler's
// type with the default visibility its headers push, so a handler type
// visible outside its file (a lambda in a header's template or inline
// function) makes a shared strait export that instantiation
// (shared.exported_symbols fails).
template <class Handler>
void post_to(const asio::any_io_executor& ex, Handler&& handler) {
  if (const auto* io_ex = executor_target<asio::io_context::executor_type>(ex))
    return asio::post(*io_ex, std::forward<Handler>(handler));
  asio::post(ex, std::forward<Handler>(handler));
}

}  // namespace strait::detail
