// Raw named pipe baseline on Windows: one message-mode pipe instance with
// plain synchronous ReadFile/WriteFile (no strait, no overlapped I/O): the
// floor for pipe://.
#include "raw_win32.hpp"

namespace strait::bench {
namespace {

constexpr DWORD pipe_buffer = 64 * 1024;

class named_pipe_link final : public link {
 public:
  explicit named_pipe_link(win32_handle pipe) : pipe_(std::move(pipe)) {}

  void send(const std::byte* p, std::size_t n) override {
    DWORD written = 0;
    if (!::WriteFile(pipe_.get(), p, static_cast<DWORD>(n), &written, nullptr))
      fail_win32("WriteFile");
    if (written != n) throw bench_error(fmt::format("named pipe: wrote {} of {} B", written, n));
  }

  void receive(std::byte* p, std::size_t n) override {
    DWORD read = 0;
    if (!::ReadFile(pipe_.get(), p, static_cast<DWORD>(n), &read, nullptr)) {
      const DWORD error = ::GetLastError();
      if (error == ERROR_MORE_DATA)
        throw bench_error(fmt::format("named pipe: a message larger than the {} B expected", n));
      fail_win32("ReadFile", error);
    }
    if (read != n)
      throw bench_error(fmt::format("named pipe: {} B received, {} B expected", read, n));
  }

  std::size_t max_message_size() const override { return 0xffffffffu; }  // DWORD lengths

 private:
  win32_handle pipe_;
};

std::unique_ptr<link> serve_pipe(const std::string& name) {
  win32_handle pipe(::CreateNamedPipeA(
      named_pipe_path(name).c_str(), PIPE_ACCESS_DUPLEX,
      PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1,
      pipe_buffer, pipe_buffer, 0, nullptr));
  if (!pipe.valid()) fail_win32("CreateNamedPipe " + name);
  // Blocks until the client opens it; a client that never comes is ended by
  // the parent, which kills this process.
  if (!::ConnectNamedPipe(pipe.get(), nullptr) && ::GetLastError() != ERROR_PIPE_CONNECTED)
    fail_win32("ConnectNamedPipe");
  return std::make_unique<named_pipe_link>(std::move(pipe));
}

std::unique_ptr<link> connect_pipe(const std::string& name) {
  win32_handle pipe;
  retry_until_ready(
      [&] {  // ERROR_FILE_NOT_FOUND until the server has created it
        pipe = win32_handle(::CreateFileA(named_pipe_path(name).c_str(),
                                          GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                                          0, nullptr));
        return pipe.valid();
      },
      "open " + named_pipe_path(name));
  DWORD mode = PIPE_READMODE_MESSAGE;
  if (!::SetNamedPipeHandleState(pipe.get(), &mode, nullptr, nullptr))
    fail_win32("SetNamedPipeHandleState");
  return std::make_unique<named_pipe_link>(std::move(pipe));
}

[[maybe_unused]] const bool registered = register_mechanism({
    .name = "raw named pipe",
    .kind = family::raw,
    .baseline_for = {{"strait pipe"}},
    .make_address = fresh_name,
    .serve = serve_pipe,
    .connect = connect_pipe,
});

}  // namespace
}  // namespace strait::bench
