// strait — talk to any strait endpoint from a shell.
//
//   strait schemes                    the URL schemes this build supports
//   strait listen URL [--echo] [--count N]
//                                     serve URL; print every message received, one
//                                     per line ("[client N] text"); --echo sends each
//                                     back; --count stops after N messages. Out of
//                                     descriptors, it says so, waits and accepts again
//   strait send URL [--reply] [MESSAGE...]
//                                     connect; send each MESSAGE (or each stdin line);
//                                     --reply waits for and prints one reply per message
//   strait ls [--json]                this user's live and stale endpoints and named
//                                     objects on this machine (strait/discovery.hpp
//                                     says what cannot be listed); --json prints an
//                                     array of {url, kind, name, pid, state}
//   strait info URL                   connect; print capabilities() and peer()
//   strait --version                  the version of the strait library it runs with
//
// Exit status: 0 done, 1 an operation failed (the error names the URL and the
// native cause), 2 bad usage.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <strait/strait.hpp>

#include "inspect.hpp"

using namespace std::chrono_literals;

namespace {

struct usage_error {
  std::string what;
};

std::string_view as_text(const std::vector<std::byte>& message) {
  return {reinterpret_cast<const char*>(message.data()), message.size()};
}

struct arguments {
  std::string url;
  bool echo = false;
  bool reply = false;
  std::optional<std::size_t> count;
  std::vector<std::string> messages;
};

arguments parse(int argc, char** argv, int first) {
  arguments args;
  for (int i = first; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--echo") {
      args.echo = true;
    } else if (a == "--reply") {
      args.reply = true;
    } else if (a == "--count") {
      if (++i == argc) throw usage_error{"--count needs a number"};
      try {
        args.count = std::stoul(argv[i]);
      } catch (const std::exception&) {
        throw usage_error{fmt::format("--count: '{}' is not a number", argv[i])};
      }
    } else if (a.starts_with("--")) {
      throw usage_error{fmt::format("unknown option '{}'", a)};
    } else if (args.url.empty()) {
      args.url = a;
    } else {
      args.messages.emplace_back(a);
    }
  }
  if (args.url.empty()) throw usage_error{"a URL is needed"};
  return args;
}

// One coroutine per client: messages from several clients are printed as
// they come, each line tagged with its client.
asio::awaitable<void> serve_client(strait::channel client, std::size_t id, bool echo,
                                   std::optional<std::size_t>& left, asio::io_context& io) {
  for (;;) {
    std::error_code ec;
    auto message = co_await client.async_receive(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == strait::errc::broken_pipe || ec == strait::errc::operation_aborted) co_return;
    if (ec) {
      fmt::print(stderr, "strait: client {}: {}\n", id, ec.message());
      co_return;
    }
    fmt::print("[client {}] {}\n", id, as_text(message));
    std::fflush(stdout);
    if (echo) {
      co_await client.async_send(asio::buffer(message), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) fmt::print(stderr, "strait: client {}: cannot echo: {}\n", id, ec.message());
    }
    if (left && --*left == 0) io.stop();  // --count reached
  }
}

// Out of descriptors or memory (resource_exhausted), accept is tried again
// after a pause that doubles up to a second: clients that leave make room,
// and a listener that stays readable is not polled in a busy loop (issue 12).
constexpr auto first_accept_pause = 50ms;
constexpr auto longest_accept_pause = 1s;

asio::awaitable<void> accept_clients(asio::io_context& io, strait::listener& server, bool echo,
                                     std::optional<std::size_t>& left) {
  asio::steady_timer pause_timer(io);
  auto pause = std::chrono::milliseconds(first_accept_pause);
  for (std::size_t id = 1;;) {
    std::error_code ec;
    strait::channel client =
        co_await server.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == strait::errc::resource_exhausted) {
      fmt::print(stderr, "strait: cannot accept on {}: {}; trying again in {} ms\n",
                 server.endpoint(), ec.message(), pause.count());
      pause_timer.expires_after(pause);
      co_await pause_timer.async_wait(asio::use_awaitable);
      pause = std::min<std::chrono::milliseconds>(pause * 2, longest_accept_pause);
      continue;
    }
    // Any other failure ends the program: the listener is gone.
    if (ec) throw std::system_error(ec, "accept on " + server.endpoint());
    pause = first_accept_pause;
    asio::co_spawn(io, serve_client(std::move(client), id++, echo, left, io), asio::detached);
  }
}

int listen(const arguments& args) {
  asio::io_context io;
  strait::listener server = strait::listen(io, args.url);
  // The endpoint as bound (tcp port 0 becomes the real port), for scripts.
  fmt::print(stderr, "strait: listening on {}\n", server.endpoint());
  std::optional<std::size_t> left = args.count;
  asio::co_spawn(io, accept_clients(io, server, args.echo, left), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
  return 0;
}

int send(const arguments& args) {
  asio::io_context io;  // the blocking calls do not run it
  strait::channel server = strait::connect(io, args.url, {.timeout = 5s});
  auto send_one = [&](std::string_view text) {
    server.send(strait::buffer(text));
    if (args.reply) fmt::print("{}\n", as_text(server.receive()));
  };
  if (!args.messages.empty()) {
    for (const auto& m : args.messages) send_one(m);
  } else {
    for (std::string line; std::getline(std::cin, line);) send_one(line);
  }
  return 0;
}

int info(const arguments& args) {
  if (args.echo || args.reply || args.count || !args.messages.empty())
    throw usage_error{"info takes only a URL"};
  return strait::tool::show_info(args.url);
}

int list(int argc, char** argv) {
  bool json = false;
  for (int i = 2; i < argc; ++i) {
    if (std::string_view(argv[i]) != "--json")
      throw usage_error{fmt::format("ls: unknown argument '{}'", argv[i])};
    json = true;
  }
  return strait::tool::list_endpoints(json);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view command = argc > 1 ? argv[1] : "";
  try {
    if (command == "schemes") {
      for (auto scheme : strait::supported_schemes()) fmt::print("{}\n", scheme);
      return 0;
    }
    if (command == "--version") {
      fmt::print("strait {}\n", strait::version());  // the library's: a shared one may differ
      return 0;
    }
    if (command == "listen") return listen(parse(argc, argv, 2));
    if (command == "send") return send(parse(argc, argv, 2));
    if (command == "ls") return list(argc, argv);
    if (command == "info") return info(parse(argc, argv, 2));
    throw usage_error{command.empty() ? "a command is needed"
                                      : fmt::format("unknown command '{}'", command)};
  } catch (const usage_error& e) {
    fmt::print(stderr,
               "strait: {}\n"
               "usage: strait schemes\n"
               "       strait listen URL [--echo] [--count N]\n"
               "       strait send URL [--reply] [MESSAGE...]\n"
               "       strait ls [--json]\n"
               "       strait info URL\n"
               "       strait --version\n",
               e.what);
    return 2;
  } catch (const std::system_error& e) {
    fmt::print(stderr, "strait: {}\n", e.what());
    return 1;
  }
}
