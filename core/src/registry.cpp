// connect() and listen(): parse the URL, pick the transport, report failures.
#include <algorithm>

#include <asio/error.hpp>
#include <fmt/format.h>

#include "asio_errors.hpp"
#include "backend.hpp"
#include "tcp_transport.hpp"

namespace strait {
namespace detail {

deadline deadline_after(duration timeout) noexcept {
  if (timeout == infinite) return no_deadline;  // no clock read: every blocking call comes here
  const auto now = clock::now();
  if (timeout > no_deadline - now) return no_deadline;
  return now + std::max(timeout, duration::zero());
}

deadline deadline_after(const std::optional<std::chrono::milliseconds>& timeout) noexcept {
  return timeout ? deadline_after(duration(*timeout)) : no_deadline;
}

std::error_code map_error(const std::error_code& ec) noexcept {
  if (!ec || ec.category() == category()) return ec;
  if (same_category(ec.category(), asio::error::get_system_category()) ||
      ec.category() == std::system_category())
    return map_system_error(ec.value());
  if (is_asio_error(ec, asio::error::eof)) return make_error_code(errc::broken_pipe);
  if (is_asio_error(ec, asio::error::host_not_found) ||
      is_asio_error(ec, asio::error::host_not_found_try_again) ||
      is_asio_error(ec, asio::error::service_not_found))
    return make_error_code(errc::not_found, ec.value());
  return make_error_code(errc::io_error, ec.value());
}

}  // namespace detail

namespace {

const detail::transport* find_transport(std::string_view scheme) {
  if (scheme == detail::tcp_transport.scheme) return &detail::tcp_transport;
  const auto all = detail::platform_transports();
  const auto it = std::find_if(all.begin(), all.end(),
                               [&](const detail::transport& t) { return t.scheme == scheme; });
  return it == all.end() ? nullptr : &*it;
}

// Resolves `url` to its endpoint and transport, or says why not.
const detail::transport* resolve(std::string_view url, strait::endpoint& ep,
                                 std::error_code& ec, std::string& why) {
  ep = parse_endpoint(url, ec, &why);
  if (ec) return nullptr;
  const auto* t = find_transport(ep.scheme);
  if (!t) {
    ec = make_error_code(errc::not_supported);
    why = fmt::format("'{}': the {}:// transport is not available on this platform", url,
                      ep.scheme);
  }
  return t;
}

// A backend's connect or listen. What asio throws even from its error_code
// overloads (a local endpoint's constructor, for one) goes into `ec`: the
// error_code overloads of connect() and listen() never throw. On failure
// `why` is "DOING URL" and, when the backend noted more, ": what it noted".
template <class Open>
auto open_backend(Open open, std::string_view doing, std::string_view url, std::error_code& ec,
                  std::string& why) -> decltype(open()) {
  detail::take_failure_note();  // a note from an earlier call is not this one's
  decltype(open()) backend;
  try {
    backend = open();
  } catch (const std::system_error& e) {
    ec = detail::map_error(e.code());
  }
  if (ec) {
    const auto note = detail::take_failure_note();
    why = fmt::format("{} {}", doing, url);
    if (!note.empty()) why += fmt::format(": {}", note);
    return nullptr;
  }
  return backend;
}

}  // namespace

std::vector<std::string_view> supported_schemes() {
  std::vector<std::string_view> out{detail::tcp_transport.scheme};
  for (const auto& t : detail::platform_transports()) out.push_back(t.scheme);
  return out;
}

namespace {

listener open_listener(asio::io_context& io, std::string_view url,
                       const listen_options& options, std::error_code& ec, std::string& why) {
  strait::endpoint ep;
  const auto* t = resolve(url, ep, ec, why);
  if (!t) return {};
  auto backend = open_backend([&] { return t->listen(io, ep, options, ec); },
                              "cannot listen on", url, ec, why);
  return backend ? listener(std::move(backend)) : listener{};
}

channel open_channel(asio::io_context& io, std::string_view url,
                     const connect_options& options, std::error_code& ec, std::string& why) {
  strait::endpoint ep;
  const auto* t = resolve(url, ep, ec, why);
  if (!t) return {};
  auto backend = open_backend([&] { return t->connect(io, ep, options, ec); },
                              "cannot connect to", url, ec, why);
  return backend ? channel(std::move(backend)) : channel{};
}

}  // namespace

listener listen(asio::io_context& io, std::string_view url, listen_options options,
                std::error_code& ec) {
  std::string why;
  return open_listener(io, url, options, ec, why);
}

listener listen(asio::io_context& io, std::string_view url, std::error_code& ec) {
  return listen(io, url, {}, ec);
}

listener listen(asio::io_context& io, std::string_view url, listen_options options) {
  std::error_code ec;
  std::string why;
  auto l = open_listener(io, url, options, ec, why);
  if (ec) throw std::system_error(ec, why);
  return l;
}

channel connect(asio::io_context& io, std::string_view url, connect_options options,
                std::error_code& ec) {
  std::string why;
  return open_channel(io, url, options, ec, why);
}

channel connect(asio::io_context& io, std::string_view url, std::error_code& ec) {
  return connect(io, url, {}, ec);
}

channel connect(asio::io_context& io, std::string_view url, connect_options options) {
  std::error_code ec;
  std::string why;
  auto ch = open_channel(io, url, options, ec, why);
  if (ec) throw std::system_error(ec, why);
  return ch;
}

}  // namespace strait
