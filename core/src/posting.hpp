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
// Only from a function defined in a .cpp file, not from a template or an
// inline function of a header: asio's executor instantiates its execute<F>
// on the handler's type with the default visibility its headers push, and a
// handler type that is visible outside its file (a lambda in a header's
// inline function) makes a shared strait export that instantiation
// (shared.exported_symbols fails). A lambda in a .cpp file's function has no
// linkage, and neither has the instantiation.
template <class Handler>
void post_to(const asio::any_io_executor& ex, Handler&& handler) {
  if (const auto* io_ex = executor_target<asio::io_context::executor_type>(ex))
    return asio::post(*io_ex, std::forward<Handler>(handler));
  asio::post(ex, std::forward<Handler>(handler));
}

}  // namespace strait::detail
