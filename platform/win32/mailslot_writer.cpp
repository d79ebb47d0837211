// The writing end of mailslot:// on Windows (see mailslot.hpp): a handle to
// \\.\mailslot\NAME opened for writing, shared with every other writer
// (FILE_SHARE_READ | FILE_SHARE_WRITE: Wine needs both for several writers).
// A mailslot write never waits for the reader, so one WriteFile is a whole
// send, and the asynchronous send completes through the io_context at once.
#include <windows.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include <asio/post.hpp>

#include "handle.hpp"
#include "mailslot.hpp"
#include "mailslot_backend.hpp"
#include "security.hpp"

namespace strait::detail {
namespace {

// What the reader published for writers (mailslot.hpp): the maximum, and its
// owner, which is the reader's user.
struct published_info {
  bool found = false;
  std::string owner;
  std::size_t max_message_size = 0;  // 0: none published
};

published_info read_published_info(const std::string& name) {
  published_info out;
  const unique_handle mapping(::OpenFileMappingW(FILE_MAP_READ | READ_CONTROL, FALSE,
                                                 mailslot_info_name(name).c_str()));
  if (!mapping) return out;
  out.found = true;
  out.owner = object_owner_sid(mapping.get());
  const void* view = ::MapViewOfFile(mapping.get(), FILE_MAP_READ, 0, 0, sizeof(mailslot_info));
  if (!view) return out;
  mailslot_info info;
  std::memcpy(&info, view, sizeof(info));
  ::UnmapViewOfFile(view);
  if (info.magic == mailslot_info::magic_value) out.max_message_size = info.max_message_size;
  return out;
}

// N2: the mailslot's reader is the user we expect. A strait reader made its
// info object with itself as owner after it made the mailslot, so a squatter
// who holds the name shows as that object's owner, or has no such object:
// then, as for a plain Win32 reader, the mailslot's own owner is checked,
// where the system names one (Wine names none for a writer's handle;
// Windows names the creator).
std::error_code check_reader(const published_info& info, HANDLE slot,
                             std::string_view expected) {
  if (info.found) return check_object_owner(info.owner, expected);
  bool no_owner = false;
  const auto owner = object_owner_sid(slot, &no_owner);
  return no_owner ? std::error_code{} : check_object_owner(owner, expected);
}

class win32_mailslot_writer final : public channel_backend,
                                     public std::enable_shared_from_this<win32_mailslot_writer> {
 public:
  win32_mailslot_writer(asio::io_context& io, unique_handle slot, std::string url, std::size_t max)
      : io_(io), slot_(std::move(slot)), url_(std::move(url)), max_(max) {}

  asio::any_io_executor get_executor() const override { return io_.get_executor(); }

  strait::capabilities capabilities() const override {
    strait::capabilities caps;
    caps.can_receive = false;  // M1
    caps.max_message_size = max_;
    return caps;
  }

  void send(asio::const_buffer message, deadline, std::error_code& ec) override {
    // M3: refused here, before anything is written (Wine would deliver it).
    if (message.size() > max_) {
      ec = make_error_code(errc::message_too_large);
      return;
    }
    if (!slot_) {
      ec = make_error_code(errc::broken_pipe);
      return;
    }
    DWORD written = 0;
    if (!::WriteFile(slot_.get(), message.data(), static_cast<DWORD>(message.size()), &written,
                     nullptr)) {
      ec = last_system_error();
      return;
    }
    ec = written == message.size() ? std::error_code{} : make_error_code(errc::io_error);
  }

  // Sent at once, but in flight until its completion runs: one at a time.
  void async_send(asio::const_buffer message, size_completion done) override {
    if (sending_) {
      return asio::post(io_, [done = std::move(done)]() mutable {
        done(make_error_code(errc::invalid_argument), 0);
      });
    }
    std::error_code ec;
    send(message, no_deadline, ec);
    sending_ = true;
    asio::post(io_, [self = shared_from_this(), done = std::move(done), ec,
                     n = ec ? 0 : message.size()]() mutable {
      self->sending_ = false;
      done(ec, n);
    });
  }

  std::size_t receive(asio::mutable_buffer, deadline, std::error_code& ec) override {
    ec = make_error_code(errc::access_denied);  // M1: only the reader receives
    return 0;
  }

  void async_receive(asio::mutable_buffer, size_completion done) override {
    asio::post(io_, [done = std::move(done)]() mutable {
      done(make_error_code(errc::access_denied), 0);  // M1
    });
  }

  void cancel() override {}  // nothing waits
  void close() override { slot_.reset(); }
  bool is_open() const override { return static_cast<bool>(slot_); }
  std::string endpoint() const override { return url_; }
  native_handle_type native_handle() const override { return slot_.get(); }

 private:
  asio::io_context& io_;
  unique_handle slot_;
  std::string url_;
  std::size_t max_;
  bool sending_ = false;  // an async_send whose completion has not run
};

}  // namespace

std::shared_ptr<channel_backend> connect_local_mailslot(asio::io_context& io,
                                                        const std::string& name,
                                                        const connect_options& options,
                                                        std::error_code& ec) {
  unique_handle slot(::CreateFileW(mailslot_path(name).c_str(), GENERIC_WRITE,
                                   FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING,
                                   FILE_ATTRIBUTE_NORMAL, nullptr));
  if (!slot) {
    ec = last_system_error();  // ERROR_FILE_NOT_FOUND (2): nobody reads it
    return nullptr;
  }
  const auto info = read_published_info(name);
  if ((ec = check_reader(info, slot.get(), options.server_user))) return nullptr;
  std::size_t max = std::min(options.max_message_size, mailslot_size_limit);
  if (info.max_message_size > 0) max = std::min(max, info.max_message_size);
  return std::make_shared<win32_mailslot_writer>(io, std::move(slot), "mailslot://" + name, max);
}

}  // namespace strait::detail
