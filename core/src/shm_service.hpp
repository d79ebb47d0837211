// What every part of shm:// shares (docs/shared-memory.md, "The shm://
// channel"): the process's service thread, which drives the pipes of every
// shm:// channel and listener so that the user's io_context only runs
// completions, and the pipe:// transport those pipes use.
#pragma once

#include <string>
#include <string_view>

#include <asio/io_context.hpp>

#include "backend.hpp"

namespace strait::detail::shm {

// The service thread's io_context: started on first use, stopped at exit.
asio::io_context& service_io();

// pipe://, which every platform has.
const transport& pipe_transport();

// The pipe a shm:// listener serves: its own namespace, so that pipe://NAME
// and shm://NAME are different names. Its name is control_pipe_prefix + NAME.
inline constexpr std::string_view control_pipe_prefix = "strait-shm.";
strait::endpoint control_endpoint(const strait::endpoint& ep);

}  // namespace strait::detail::shm
