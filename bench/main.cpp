// strait-bench: round-trip latency of every strait transport, each beside the
// raw OS mechanism it is built on, measured by the same harness in the same
// run (the overhead ratio is the figure that matters, DESIGN.md).
//
//   strait-bench [--quick] [--iterations N] [--json FILE] [URL...]
//
// Each measurement runs its two ends in two processes: this program starts
// itself as the echo server (--serve / --serve-raw) and is the client.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <strait/strait.hpp>

#include "child_process.hpp"
#include "raw.hpp"
#include "stats.hpp"

using namespace std::chrono_literals;
namespace sb = strait::bench;

namespace {

struct options {
  std::size_t iterations = 20000;
  std::size_t warmup = 1000;
  std::vector<std::size_t> sizes{64, 1024, 4096};
  std::vector<std::string> urls;
  std::string json_file;
};

struct row {
  std::string name;   // "pipe", "raw unix"
  std::string url;
  std::size_t size = 0;
  sb::latency rtt;
  std::string floor;  // the raw row this one is compared with
};

std::string join(const std::vector<std::size_t>& v) {
  return fmt::format("{}", fmt::join(v, ","));
}

std::vector<std::size_t> split_sizes(const std::string& text) {
  std::vector<std::size_t> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    out.push_back(std::stoul(text.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// ---- the server roles (child process) -------------------------------------

int serve_strait(const std::string& url, const std::vector<std::size_t>& sizes,
                 std::size_t count) {
  asio::io_context io;
  auto server = strait::listen(io, url);
  server.set_accept_timeout(30s);
  auto client = server.accept();
  std::vector<std::byte> buffer(*std::max_element(sizes.begin(), sizes.end()));
  for (std::size_t i = 0; i < sizes.size() * count; ++i) {
    const auto n = client.receive(asio::buffer(buffer));
    client.send(asio::buffer(buffer.data(), n));
  }
  return 0;
}

// ---- the client side ------------------------------------------------------

strait::channel connect_when_ready(asio::io_context& io, const std::string& url) {
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  for (;;) {  // the server process may still be starting
    std::error_code ec;
    auto ch = strait::connect(io, url, {.timeout = 1s}, ec);
    if (!ec) return ch;
    if (std::chrono::steady_clock::now() > give_up)
      throw std::system_error(ec, fmt::format("connect {}", url));
    std::this_thread::sleep_for(1ms);
  }
}

std::vector<std::vector<std::chrono::nanoseconds>> ping_strait(
    const std::string& url, const std::vector<std::size_t>& sizes, std::size_t count) {
  asio::io_context io;
  auto ch = connect_when_ready(io, url);
  ch.set_receive_timeout(10s);
  std::vector<std::byte> out(*std::max_element(sizes.begin(), sizes.end()), std::byte{'x'});
  std::vector<std::byte> in(out.size());
  std::vector<std::vector<std::chrono::nanoseconds>> samples;
  for (const auto size : sizes) {
    auto& s = samples.emplace_back();
    s.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      ch.send(asio::buffer(out.data(), size));
      if (ch.receive(asio::buffer(in)) != size) throw std::runtime_error("short echo");
      s.push_back(std::chrono::steady_clock::now() - t0);
    }
  }
  return samples;
}

template <class Ping>
void measure(std::vector<row>& rows, const std::string& name, const std::string& url,
             std::vector<std::string> server_args, const options& opt, Ping ping) {
  fmt::print(stderr, "  measuring {:<10} {}\n", name, url);
  const std::size_t count = opt.warmup + opt.iterations;
  server_args.push_back(join(opt.sizes));
  server_args.push_back(std::to_string(count));
  strait::test::child_process server(strait::test::self_executable_path(), server_args);
  auto samples = ping(opt.sizes, count);
  server.wait(10s);
  for (std::size_t i = 0; i < opt.sizes.size(); ++i) {
    auto& s = samples[i];
    s.erase(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(opt.warmup));
    rows.push_back({name, url, opt.sizes[i], sb::summarize(std::move(s)), {}});
  }
}

std::string default_url(const std::string& scheme) {
  if (scheme == "tcp") return fmt::format("tcp://127.0.0.1:{}", sb::raw_address("raw tcp"));
  return fmt::format("{}://{}", scheme, strait::test::unique_name("bench"));
}

void print_table(const std::vector<row>& rows) {
  fmt::print("\n{:<10} {:>7} {:>10} {:>10} {:>10} {:>10}   {}\n", "transport", "size",
             "p50 us", "p99 us", "p99.9 us", "max us", "p50 vs raw");
  for (const auto& r : rows) {
    std::string ratio;
    for (const auto& f : rows)
      if (!r.floor.empty() && f.name == r.floor && f.size == r.size)
        ratio = fmt::format("{:.2f}x {}", r.rtt.p50 / f.rtt.p50, f.name);
    fmt::print("{:<10} {:>7} {:>10.2f} {:>10.2f} {:>10.2f} {:>10.2f}   {}\n", r.name, r.size,
               r.rtt.p50, r.rtt.p99, r.rtt.p999, r.rtt.max, ratio);
  }
}

void write_json(const std::vector<row>& rows, const std::string& file) {
  std::ofstream out(file);
  out << "{\n  \"rows\": [\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    out << fmt::format(
        "    {{\"transport\": \"{}\", \"url\": \"{}\", \"kind\": \"round_trip\", \"size\": {}, "
        "\"p50_us\": {:.3f}, \"p99_us\": {:.3f}, \"p999_us\": {:.3f}, \"max_us\": {:.3f}, "
        "\"baseline\": \"{}\"}}{}\n",
        r.name, r.url, r.size, r.rtt.p50, r.rtt.p99, r.rtt.p999, r.rtt.max, r.floor,
        i + 1 < rows.size() ? "," : "");
  }
  out << "  ]\n}\n";
}

int run(const options& opt) {
  std::vector<row> rows;
  fmt::print(stderr, "strait-bench: {} round trips per size after {} warm-up\n", opt.iterations,
             opt.warmup);
  for (const auto& mechanism : sb::raw_mechanisms()) {
    const auto address = sb::raw_address(mechanism);
    measure(rows, mechanism, address, {"--serve-raw", mechanism, address}, opt,
            [&](const auto& sizes, std::size_t count) {
              return sb::raw_ping(mechanism, address, sizes, count);
            });
  }
  auto urls = opt.urls;
  if (urls.empty())
    for (const auto scheme : strait::supported_schemes())
      urls.push_back(default_url(std::string(scheme)));
  for (const auto& url : urls) {
    const auto scheme = strait::parse_endpoint(url).scheme;
    measure(rows, scheme, url, {"--serve", url}, opt,
            [&](const auto& sizes, std::size_t count) { return ping_strait(url, sizes, count); });
    for (auto& r : rows)
      if (r.url == url) r.floor = sb::raw_floor(scheme);
  }
  print_table(rows);
  if (!opt.json_file.empty()) write_json(rows, opt.json_file);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 4 && args[0] == "--serve")
      return serve_strait(args[1], split_sizes(args[2]), std::stoul(args[3]));
    if (args.size() == 5 && args[0] == "--serve-raw")
      return sb::raw_serve(args[1], args[2], split_sizes(args[3]), std::stoul(args[4]));

    options opt;
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (args[i] == "--quick") {
        opt.iterations = 2000;
        opt.warmup = 200;
      } else if (args[i] == "--iterations" && i + 1 < args.size()) {
        opt.iterations = std::stoul(args[++i]);
      } else if (args[i] == "--json" && i + 1 < args.size()) {
        opt.json_file = args[++i];
      } else if (args[i].find("://") != std::string::npos) {
        opt.urls.push_back(args[i]);
      } else {
        fmt::print(stderr, "usage: strait-bench [--quick] [--iterations N] [--json FILE] [URL...]\n");
        return 2;
      }
    }
    return run(opt);
  } catch (const std::exception& e) {
    fmt::print(stderr, "strait-bench: {}\n", e.what());
    return 1;
  }
}
