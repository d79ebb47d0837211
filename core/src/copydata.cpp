// The copydata:// transport of connect()/listen() and the functions of
// copydata.hpp: the glue around platform/<os>/copydata_{reader,writer}.cpp.
#include <strait/copydata.hpp>

#include <algorithm>

#include <fmt/format.h>

#include "copydata_backend.hpp"
#include "posting.hpp"
#include "single_reader_listener.hpp"

namespace strait {
namespace detail {
namespace {

constexpr std::size_t max_window_class_length = 256;  // Windows' limit for a class name

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `text` with its %XX escapes decoded; nullopt (and why) when one is malformed or a NUL.
std::optional<std::string> percent_decode(std::string_view text, std::string_view what,
                                          std::string* why) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      const int high = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        if (why) *why = fmt::format("the {} has a '%' not followed by two hex digits", what);
        return std::nullopt;
      }
      c = static_cast<char>(high * 16 + low);
      i += 2;
    }
    if (c == '\0') {
      if (why) *why = fmt::format("the {} contains a NUL", what);
      return std::nullopt;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::optional<window_address> parse_window_address(std::string_view text, std::string* why) {
  const auto slash = text.find('/');
  const auto class_text = text.substr(0, slash);
  auto class_name = percent_decode(class_text, "window class", why);
  if (!class_name) return std::nullopt;
  if (class_name->empty() || class_name->size() > max_window_class_length) {
    if (why)
      *why = fmt::format("the window class must be 1 to {} bytes, not {}",
                         max_window_class_length, class_name->size());
    return std::nullopt;
  }
  window_address address{std::move(*class_name), std::nullopt};
  if (slash != std::string_view::npos) {
    address.title = percent_decode(text.substr(slash + 1), "window title", why);
    if (!address.title) return std::nullopt;
  }
  return address;
}

strait::capabilities copydata_writer::capabilities() const {
  strait::capabilities caps;
  caps.can_receive = false;  // one-way (M1 rules)
  caps.max_message_size = max_;
  return caps;
}

std::size_t copydata_writer::receive(asio::mutable_buffer, deadline, std::error_code& ec) {
  ec = make_error_code(errc::access_denied);  // M1 rules: only the reader receives
  return 0;
}

void copydata_writer::async_receive(asio::mutable_buffer, size_completion done) {
  post_to(get_executor(), [done = std::move(done)]() mutable {
    done(make_error_code(errc::access_denied), 0);
  });
}

std::shared_ptr<channel_backend> copydata_connect(asio::io_context& io, const strait::endpoint& ep,
                                                  const connect_options& options,
                                                  std::error_code& ec) {
  if (ep.host.empty()) return connect_copydata(io, ep.name, options, ec);
  const auto window = parse_window_address(ep.name);
  if (!window) {
    ec = make_error_code(errc::invalid_name);  // parse_endpoint checked it; an endpoint made by hand
    return nullptr;
  }
  return connect_copydata_window(io, *window, ep.url(), options, ec);
}

std::shared_ptr<listener_backend> copydata_listen(asio::io_context& io, const strait::endpoint& ep,
                                                  const listen_options& options,
                                                  std::error_code& ec) {
  if (!ep.host.empty()) {
    // copydata://window/... names another program's window: there is nothing to serve.
    ec = make_error_code(errc::invalid_argument);
    note_failure("copydata://window/... is for sending to a window; a reader listens on copydata://NAME");
    return nullptr;
  }
  if (options.max_message_size == 0) {
    ec = make_error_code(errc::invalid_argument);
    return nullptr;
  }
  auto inbox = std::make_shared<copydata_inbox>(
      io.get_executor(), std::min(options.max_message_size, copydata_size_limit));
  auto pump = start_copydata_pump(ep.name, inbox, ec);
  if (!pump) return nullptr;
  auto reader = std::make_shared<copydata_reader>(io, ep.url(), std::move(inbox), std::move(pump));
  ec = {};
  return std::make_shared<single_reader_listener>(reader, ep.url());
}

}  // namespace detail

namespace {

template <class Backend>
Backend* backend_as(const channel& c, std::error_code& ec) {
  auto* backend = dynamic_cast<Backend*>(detail::channel_access::backend(c));
  ec = backend ? std::error_code{} : make_error_code(errc::invalid_argument);
  return backend;
}

template <class T>
T or_throw(const std::error_code& ec, T value, const char* what) {
  if (ec) throw std::system_error(ec, what);
  return value;
}

}  // namespace

std::uintptr_t copydata_received_data(const channel& reader, std::error_code& ec) {
  const auto* r = backend_as<detail::copydata_reader>(reader, ec);
  return r ? r->last_data() : 0;
}

std::uintptr_t copydata_received_data(const channel& reader) {
  std::error_code ec;
  const auto data = copydata_received_data(reader, ec);
  return or_throw(ec, data, "copydata_received_data: not a copydata:// reader");
}

std::intptr_t copydata_last_result(const channel& writer, std::error_code& ec) {
  const auto* w = backend_as<detail::copydata_writer>(writer, ec);
  return w ? w->last_result() : 0;
}

std::intptr_t copydata_last_result(const channel& writer) {
  std::error_code ec;
  const auto result = copydata_last_result(writer, ec);
  return or_throw(ec, result, "copydata_last_result: not a copydata:// writer");
}

}  // namespace strait
