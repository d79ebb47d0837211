// Raw mailslot baseline on Windows: mailslots are one-way, so one each way
// (NAME-up read by the server, NAME-down read by the client), plain
// synchronous ReadFile/WriteFile: the floor for mailslot://.
#include "raw_win32.hpp"

namespace strait::bench {
namespace {

std::string slot_path(const std::string& name) { return "\\\\.\\mailslot\\" + name; }

win32_handle create_slot(const std::string& name) {
  const auto timeout = static_cast<DWORD>(std::chrono::milliseconds(link_timeout).count());
  win32_handle slot(::CreateMailslotA(slot_path(name).c_str(), 0 /* any size */, timeout, nullptr));
  if (!slot.valid()) fail_win32("CreateMailslot " + name);
  return slot;
}

win32_handle open_slot(const std::string& name) {
  win32_handle slot;
  retry_until_ready(
      [&] {  // not there until the other end created it; share modes let writers coexist
        slot = win32_handle(::CreateFileA(slot_path(name).c_str(), GENERIC_WRITE,
                                          FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                                          OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
        return slot.valid();
      },
      "open " + slot_path(name));
  return slot;
}

class mailslot_link final : public link {
 public:
  mailslot_link(win32_handle reader, win32_handle writer)
      : reader_(std::move(reader)), writer_(std::move(writer)) {}

  void send(const std::byte* p, std::size_t n) override {
    DWORD written = 0;
    if (!::WriteFile(writer_.get(), p, static_cast<DWORD>(n), &written, nullptr))
      fail_win32("mailslot WriteFile");
    if (written != n) throw bench_error(fmt::format("mailslot: wrote {} of {} B", written, n));
  }

  // Windows fails a read into a buffer smaller than the message
  // (ERROR_INSUFFICIENT_BUFFER); Wine truncates it, which the stream's
  // sequence numbers and checksum then catch.
  void receive(std::byte* p, std::size_t n) override {
    DWORD read = 0;
    if (!::ReadFile(reader_.get(), p, static_cast<DWORD>(n), &read, nullptr))
      fail_win32("mailslot ReadFile");
    if (read != n)
      throw bench_error(fmt::format("mailslot: {} B received, {} B expected", read, n));
  }

  // Windows documents any size for a local mailslot created with 0; Wine 8
  // fails a 1 MiB write (ERROR_GEN_FAILURE), and a mailslot has no flow
  // control, so a writer of large messages only fills kernel memory: keep
  // to 64 KiB.
  std::size_t max_message_size() const override { return 64 * 1024; }

 private:
  win32_handle reader_, writer_;
};

void hello(win32_handle& writer) {
  const std::byte b{1};
  DWORD written = 0;
  if (!::WriteFile(writer.get(), &b, 1, &written, nullptr)) fail_win32("mailslot hello");
}

void await_hello(win32_handle& reader) {
  std::byte b{};
  DWORD read = 0;
  if (!::ReadFile(reader.get(), &b, 1, &read, nullptr) || read != 1)
    fail_win32("mailslot: no hello");
}

std::unique_ptr<link> serve_slot(const std::string& name) {
  auto reader = create_slot(name + "-up");
  await_hello(reader);  // the client's own slot exists once it says hello
  auto writer = open_slot(name + "-down");
  hello(writer);
  return std::make_unique<mailslot_link>(std::move(reader), std::move(writer));
}

std::unique_ptr<link> connect_slot(const std::string& name) {
  auto reader = create_slot(name + "-down");
  auto writer = open_slot(name + "-up");
  hello(writer);
  await_hello(reader);
  return std::make_unique<mailslot_link>(std::move(reader), std::move(writer));
}

[[maybe_unused]] const bool registered = register_mechanism({
    .name = "raw mailslot",
    .kind = family::raw,
    .baseline_for = {{"strait mailslot"}},
    .make_address = fresh_name,
    .serve = serve_slot,
    .connect = connect_slot,
});

}  // namespace
}  // namespace strait::bench
