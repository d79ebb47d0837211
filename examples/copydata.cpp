// copydata — WM_COPYDATA with confirmed delivery, on every platform.
//
//   copydata read NAME [COUNT]              the one reader of copydata://NAME: prints
//                                           COUNT messages (default: until killed)
//   copydata send NAME TEXT [DWDATA]        sends TEXT; returns once the reader has
//                                           queued it
//   copydata window CLASS[/TITLE] TEXT [DWDATA]
//                                           (Windows) sends TEXT to another program's
//                                           window and prints what it answered
#include <cstdint>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include <strait/strait.hpp>

namespace {

int read_messages(const std::string& name, long count) {
  asio::io_context io;
  strait::listener listener = strait::listen(io, "copydata://" + name);
  strait::channel reader = listener.accept();  // the one reader, receive-only
  fmt::print("reading {}\n", listener.endpoint());
  for (long i = 0; count < 0 || i < count; ++i) {
    const auto message = reader.receive();
    fmt::print("dwData {}: {}\n", strait::copydata_received_data(reader),
               std::string_view(reinterpret_cast<const char*>(message.data()), message.size()));
  }
  return 0;
}

int send_text(const std::string& url, const std::string& text, std::uintptr_t data) {
  asio::io_context io;
  strait::connect_options options;
  options.copydata_data = data;
  std::error_code ec;
  strait::channel writer = strait::connect(io, url, options, ec);
  if (ec == strait::errc::not_found) {
    fmt::print(stderr, "copydata: nobody reads {}\n", url);
    return 1;
  }
  if (ec) {
    fmt::print(stderr, "copydata: cannot connect to {}: {}\n", url, ec.message());
    return 1;
  }
  writer.set_send_timeout(std::chrono::seconds(5));  // a reader that does not read: timed_out
  writer.send(strait::buffer(text), ec);
  if (ec) {
    fmt::print(stderr, "copydata: send to {}: {}\n", url, ec.message());
    return 1;
  }
  fmt::print("delivered; the window answered {}\n", strait::copydata_last_result(writer));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string role = argc > 1 ? argv[1] : "";
  if (role == "read" && (argc == 3 || argc == 4))
    return read_messages(argv[2], argc == 4 ? std::stol(argv[3]) : -1);
  const std::uintptr_t data = argc == 5 ? std::stoull(argv[4]) : 0;
  if (role == "send" && (argc == 4 || argc == 5))
    return send_text(fmt::format("copydata://{}", argv[2]), argv[3], data);
  if (role == "window" && (argc == 4 || argc == 5))
    return send_text(fmt::format("copydata://window/{}", argv[2]), argv[3], data);
  fmt::print(stderr,
             "usage: copydata read NAME [COUNT] | send NAME TEXT [DWDATA]"
             " | window CLASS[/TITLE] TEXT [DWDATA]\n");
  return 2;
}
