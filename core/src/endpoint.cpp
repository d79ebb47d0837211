#include <strait/endpoint.hpp>

#include <algorithm>
#include <array>
#include <charconv>

#include <fmt/format.h>

#include <strait/error.hpp>

#include "backend.hpp"
#include "copydata_backend.hpp"

namespace strait {
namespace {

constexpr std::array known_schemes{"tcp", "unix", "pipe", "mailslot", "shm", "copydata"};

bool is_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

bool is_host_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '-' || c == '_';
}

bool is_ipv6_char(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
         c == ':' || c == '.';
}

// Collects the first failure: the errc and a sentence for the user.
struct parse_error {
  errc code{};
  std::string why;

  template <class... Args>
  endpoint fail(errc e, fmt::format_string<Args...> f, Args&&... args) {
    code = e;
    why = fmt::format(f, std::forward<Args>(args)...);
    return {};
  }
};

std::string describe_name_problem(std::string_view name) {
  if (name.empty()) return "the name is empty";
  if (name.size() > max_name_length)
    return fmt::format("the name is {} bytes long; the limit is {}", name.size(),
                       max_name_length);
  if (name.front() == '.' || name.front() == '-')
    return fmt::format("the name '{}' starts with '{}'", name, name.front());
  const auto bad = std::find_if_not(name.begin(), name.end(), is_name_char);
  if (bad != name.end())
    return fmt::format("the name '{}' contains '{}'; names use only A-Z a-z 0-9 . _ -",
                       name, *bad);
  return {};
}

bool parse_port(std::string_view text, std::uint16_t& port) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

endpoint parse_tcp(std::string_view url, std::string_view rest, parse_error& err) {
  endpoint ep;
  ep.scheme = "tcp";
  std::string_view host, port;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos)
      return err.fail(errc::invalid_argument, "'{}': '[' without a closing ']'", url);
    host = rest.substr(1, close - 1);
    if (host.empty() || !std::all_of(host.begin(), host.end(), is_ipv6_char))
      return err.fail(errc::invalid_argument, "'{}': '{}' is not an IPv6 address", url, host);
    rest.remove_prefix(close + 1);
    if (!rest.starts_with(':'))
      return err.fail(errc::invalid_argument, "'{}': expected ':PORT' after ']'", url);
    port = rest.substr(1);
  } else {
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos)
      return err.fail(errc::invalid_argument, "'{}': tcp needs HOST:PORT", url);
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.empty())
      return err.fail(errc::invalid_argument, "'{}': the host is empty", url);
    const auto bad = std::find_if_not(host.begin(), host.end(), is_host_char);
    if (bad != host.end())
      return err.fail(errc::invalid_argument, "'{}': the host contains '{}'", url, *bad);
  }
  if (!parse_port(port, ep.port))
    return err.fail(errc::invalid_argument, "'{}': '{}' is not a port (0-65535)", url, port);
  ep.host = host;
  return ep;
}

endpoint parse_unix(std::string_view url, std::string_view rest, parse_error& err) {
  endpoint ep;
  ep.scheme = "unix";
  if (rest.starts_with('/')) {
    if (const auto limit = detail::max_unix_socket_path(); rest.size() > limit)
      return err.fail(errc::invalid_name, "'{}': the path is {} bytes; AF_UNIX allows {} here",
                      url, rest.size(), limit);
    if (rest.find('\0') != std::string_view::npos)
      return err.fail(errc::invalid_name, "'{}': the path contains a NUL byte", url);
    ep.name = rest;
    return ep;
  }
  if (auto problem = describe_name_problem(rest); !problem.empty())
    return err.fail(errc::invalid_name, "'{}': {}", url, problem);
  ep.name = rest;
  return ep;
}

// pipe://NAME, pipe://SERVER/NAME, mailslot://NAME, mailslot://*/NAME, shm://NAME
endpoint parse_named(std::string_view url, std::string_view scheme, std::string_view rest,
                     parse_error& err) {
  endpoint ep;
  ep.scheme = scheme;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos && scheme != "shm") {
    const auto host = rest.substr(0, slash);
    const bool broadcast = host == "*" && scheme == "mailslot";
    if (host.empty() ||
        (!broadcast && !std::all_of(host.begin(), host.end(), is_host_char)))
      return err.fail(errc::invalid_argument, "'{}': '{}' is not a server name", url, host);
    ep.host = host;
    rest.remove_prefix(slash + 1);
  }
  if (auto problem = describe_name_problem(rest); !problem.empty())
    return err.fail(errc::invalid_name, "'{}': {}", url, problem);
  ep.name = rest;
  return ep;
}

// copydata://NAME, or copydata://window/CLASS[/TITLE] for another program's
// window: CLASS and TITLE are any text, '/' and '%' written %2F and %25.
endpoint parse_copydata(std::string_view url, std::string_view rest, parse_error& err) {
  endpoint ep;
  ep.scheme = "copydata";
  constexpr std::string_view window_prefix = "window/";
  if (!rest.starts_with(window_prefix)) {
    if (auto problem = describe_name_problem(rest); !problem.empty())
      return err.fail(errc::invalid_name, "'{}': {}", url, problem);
    ep.name = rest;
    return ep;
  }
  rest.remove_prefix(window_prefix.size());
  std::string why;
  if (!detail::parse_window_address(rest, &why))
    return err.fail(errc::invalid_name, "'{}': {}", url, why);
  ep.host = "window";
  ep.name = rest;
  return ep;
}

}  // namespace

bool is_valid_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= max_name_length && name.front() != '.' &&
         name.front() != '-' && std::all_of(name.begin(), name.end(), is_name_char);
}

std::string endpoint::url() const {
  if (scheme == "tcp") {
    const bool v6 = host.find(':') != std::string::npos;
    return v6 ? fmt::format("tcp://[{}]:{}", host, port) : fmt::format("tcp://{}:{}", host, port);
  }
  if (host.empty()) return fmt::format("{}://{}", scheme, name);
  return fmt::format("{}://{}/{}", scheme, host, name);
}

endpoint parse_endpoint(std::string_view url, std::error_code& ec, std::string* why) {
  parse_error err;
  endpoint ep = [&] {
    const auto sep = url.find("://");
    if (sep == std::string_view::npos)
      return err.fail(errc::invalid_argument, "'{}' is not a URL (expected SCHEME://...)",
                      url);
    const auto scheme = url.substr(0, sep);
    const auto rest = url.substr(sep + 3);
    if (std::find(known_schemes.begin(), known_schemes.end(), scheme) == known_schemes.end())
      return err.fail(errc::invalid_argument,
                      "'{}': unknown scheme '{}' (known: tcp, unix, pipe, mailslot, shm, copydata)",
                      url,
                      scheme);
    if (scheme == "tcp") return parse_tcp(url, rest, err);
    if (scheme == "unix") return parse_unix(url, rest, err);
    if (scheme == "copydata") return parse_copydata(url, rest, err);
    return parse_named(url, scheme, rest, err);
  }();
  ec = err.code == errc{} ? std::error_code{} : make_error_code(err.code);
  if (why) *why = std::move(err.why);
  return ep;
}

endpoint parse_endpoint(std::string_view url) {
  std::error_code ec;
  std::string why;
  auto ep = parse_endpoint(url, ec, &why);
  if (ec) throw std::system_error(ec, why);
  return ep;
}

}  // namespace strait
