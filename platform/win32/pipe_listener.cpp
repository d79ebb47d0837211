// The serving side of pipe:// on Windows.
//
// A named pipe is served by instances: each takes one client. The listener
// keeps a few instances waiting (`pending_instances`, like a socket backlog),
// each with an overlapped ConnectNamedPipe in flight, so a client finds a
// free instance even between two accepts, and replaces a connected instance
// before handing it out as a channel (C6).
//
// The waiting instances are not on the io_context's port: every
// ConnectNamedPipe signals one manual-reset event, which a sync accept waits
// on directly (no io_context needs to run) and async_accept through
// asio::windows::object_handle. An instance joins the port when it becomes
// a channel.
#include <windows.h>

#include <algorithm>
#include <chrono>
#include <cwctype>
#include <deque>
#include <list>
#include <utility>

#include <asio/post.hpp>
#include <asio/windows/object_handle.hpp>

#include "pipe.hpp"
#include "security.hpp"

namespace strait::detail {
namespace {

// Instances waiting for clients at any time (fewer under max_instances).
constexpr std::size_t pending_instances = 4;

// The most instances CreateNamedPipe can count; 255 means unlimited.
constexpr std::size_t max_countable_instances = PIPE_UNLIMITED_INSTANCES - 1;

struct pipe_instance {
  unique_handle pipe;
  OVERLAPPED connect{};    // the ConnectNamedPipe in flight
  bool connected = false;  // a client came before ConnectNamedPipe: no completion follows
};

// C7: one strait listener per name. FILE_FLAG_FIRST_PIPE_INSTANCE says so on
// Windows, but Wine ignores it; a named mutex held for the listener's
// lifetime says so everywhere, and the system drops it with a crashed
// process, so the name is reclaimed. Pipe names are case-insensitive,
// object names are not: the mutex is named in lower case.
unique_handle claim_name(const std::string& name, SECURITY_ATTRIBUTES* security,
                         std::error_code& ec) {
  std::wstring object = L"Local\\strait.pipe.";
  for (const char c : name) object += static_cast<wchar_t>(std::towlower(c));
  unique_handle mutex(::CreateMutexW(security, FALSE, object.c_str()));
  const DWORD e = ::GetLastError();
  if (!mutex) {
    // Another user's mutex of that name is no more ours than a live one.
    ec = e == ERROR_ACCESS_DENIED ? make_error_code(errc::already_exists, static_cast<int>(e))
                                  : map_system_error(static_cast<int>(e));
    return {};
  }
  if (e == ERROR_ALREADY_EXISTS) {
    ec = make_error_code(errc::already_exists, static_cast<int>(e));
    return {};
  }
  ec = {};
  return mutex;
}

class named_pipe_listener final : public listener_backend,
                                  public std::enable_shared_from_this<named_pipe_listener> {
 public:
  named_pipe_listener(asio::io_context& io, const strait::endpoint& ep,
                      const listen_options& options, unique_handle name_lock,
                      std::unique_ptr<private_security> security,
                      std::shared_ptr<unique_handle> connected_event, HANDLE event_copy)
      : io_(io),
        endpoint_(ep),
        path_(pipe_path(ep)),
        max_message_size_(options.max_message_size),
        max_instances_(options.max_instances ? static_cast<DWORD>(options.max_instances)
                                             : PIPE_UNLIMITED_INSTANCES),
        allow_remote_(options.allow_remote_clients),
        buffer_size_(options.buffer_size
                         ? static_cast<DWORD>(std::min<std::size_t>(options.buffer_size, MAXDWORD))
                         : default_pipe_buffer_size),
        backlog_(options.max_instances ? std::min(options.max_instances, pending_instances)
                                       : pending_instances),
        name_lock_(std::move(name_lock)),
        security_(std::move(security)),
        connected_event_(std::move(connected_event)),
        event_waiter_(io, event_copy) {}

  ~named_pipe_listener() override { close(); }

  // Creates the first instances; fails when the name is served already (C7).
  std::error_code start() {
    auto ec = top_up();
    if (!ec && pool_.empty()) ec = make_error_code(errc::already_exists);
    return ec;
  }

  asio::any_io_executor get_executor() const override { return io_.get_executor(); }
  std::string endpoint() const override { return endpoint_.url(); }
  bool is_open() const override { return !closed_; }

  std::shared_ptr<channel_backend> accept(deadline until, std::error_code& ec) override {
    for (;;) {
      if (closed_) {
        ec = make_error_code(errc::operation_aborted);
        return nullptr;
      }
      if (auto instance = next_connected(ec)) return hand_out(std::move(instance), ec);
      if (ec) return nullptr;
      if (!wait_until(connected_event_->get(), until)) {  // C8
        ec = make_error_code(errc::timed_out);
        return nullptr;
      }
    }
  }

  void async_accept(accept_completion done) override {
    if (closed_) {
      asio::post(io_, [done = std::move(done)]() mutable {
        done(make_error_code(errc::operation_aborted), nullptr);
      });
      return;
    }
    waiters_.push_back(std::move(done));
    if (!waiting_ && !scheduled_) {
      scheduled_ = true;  // never complete from inside the call (backend rules)
      asio::post(io_, [self = shared_from_this()] {
        self->scheduled_ = false;
        self->serve_waiters();
      });
    }
  }

  void cancel() override {
    for (auto& done : std::exchange(waiters_, {})) {
      asio::post(io_, [done = std::move(done)]() mutable {
        done(make_error_code(errc::operation_aborted), nullptr);
      });
    }
    std::error_code ignored;
    event_waiter_.cancel(ignored);
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    cancel();
    for (auto& instance : pool_) {
      if (instance->connected) continue;
      ::CancelIoEx(instance->pipe.get(), &instance->connect);
      // The system writes into `connect` until the cancelled connect ends:
      // its memory must outlive that, or be given up.
      if (!wait_connect_end(*instance)) instance.release()->pipe.reset();
    }
    pool_.clear();  // clients connected but never accepted see broken_pipe
    std::error_code ignored;
    event_waiter_.close(ignored);
    name_lock_.reset();  // C7: the name is free again
  }

 private:
  // One more instance waiting for a client.
  std::error_code add_instance() {
    DWORD open_mode = PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED;
    if (first_instance_) open_mode |= FILE_FLAG_FIRST_PIPE_INSTANCE;  // C7 on Windows
    // N2: this user only, and no clients from other machines unless asked.
    const DWORD pipe_mode = PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT |
                            (allow_remote_ ? PIPE_ACCEPT_REMOTE_CLIENTS : PIPE_REJECT_REMOTE_CLIENTS);
    auto instance = std::make_unique<pipe_instance>();
    instance->pipe.reset(::CreateNamedPipeW(path_.c_str(), open_mode, pipe_mode, max_instances_,
                                            buffer_size_, buffer_size_, 0,
                                            security_->attributes()));
    if (!instance->pipe) {
      const DWORD e = ::GetLastError();
      // The first instance of a name someone else serves: denied (Windows) or
      // busy (their instance limit).
      if (first_instance_ && (e == ERROR_ACCESS_DENIED || e == ERROR_PIPE_BUSY))
        return make_error_code(errc::already_exists, static_cast<int>(e));
      return map_system_error(static_cast<int>(e));
    }
    first_instance_ = false;
    instance->connect.hEvent = connected_event_->get();
    if (!::ConnectNamedPipe(instance->pipe.get(), &instance->connect)) {
      const DWORD e = ::GetLastError();
      if (e == ERROR_PIPE_CONNECTED || e == ERROR_NO_DATA) {
        // A client came first (and maybe left already: the channel reads what
        // it sent, then broken_pipe, C4). No completion follows: signal it here.
        instance->connected = true;
        ::SetEvent(connected_event_->get());
      } else if (e != ERROR_IO_PENDING) {
        return map_system_error(static_cast<int>(e));
      }
    } else {
      instance->connected = true;
    }
    pool_.push_back(std::move(instance));
    return {};
  }

  // Waits for the end of an instance's ConnectNamedPipe. Not with
  // GetOverlappedResult: the event is every instance's, so once another one
  // set it, that returns at once with this operation still pending (Wine
  // then reports success; Windows asks for one event per operation), and
  // the instance would be freed while the system still writes into it.
  // False when it has not ended in a few seconds (the issuing thread is
  // gone, say): better a leak than a write into freed memory.
  bool wait_connect_end(pipe_instance& instance) {
    const HANDLE event = connected_event_->get();
    const deadline until = clock::now() + std::chrono::seconds(5);
    while (!HasOverlappedIoCompleted(&instance.connect)) {
      ::ResetEvent(event);  // the system sets it after it wrote the status
      if (HasOverlappedIoCompleted(&instance.connect)) break;
      if (!wait_until(event, until)) return false;
    }
    return true;
  }

  // Keeps `backlog_` instances waiting. Past max_instances the system says
  // ERROR_PIPE_BUSY: the pool grows back as accepted channels close.
  std::error_code top_up() {
    while (pool_.size() < backlog_) {
      const auto ec = add_instance();
      if (ec == errc::pipe_busy) break;
      if (ec) return ec;
    }
    return {};
  }

  // The oldest instance a client connected to, or nullptr. The event is
  // reset before looking, so a client that comes after the look signals it
  // again; ConnectNamedPipe resets it too, so instances are added first.
  std::unique_ptr<pipe_instance> next_connected(std::error_code& ec) {
    ::ResetEvent(connected_event_->get());
    ec = top_up();
    for (auto it = pool_.begin(); it != pool_.end();) {
      auto& instance = **it;
      if (!instance.connected) {
        if (!HasOverlappedIoCompleted(&instance.connect)) {
          ++it;
          continue;
        }
        DWORD n = 0;
        if (!::GetOverlappedResult(instance.pipe.get(), &instance.connect, &n, FALSE)) {
          it = pool_.erase(it);  // a failed connect: drop the instance
          continue;
        }
      }
      auto connected = std::move(*it);
      pool_.erase(it);
      ec = {};
      return connected;
    }
    if (!pool_.empty()) ec = {};  // serving still, if not at full strength
    return nullptr;
  }

  // C6: the next client finds a waiting instance before this one is handed out.
  std::shared_ptr<channel_backend> hand_out(std::unique_ptr<pipe_instance> instance,
                                            std::error_code& ec) {
    top_up();
    // Closing the channel frees an instance slot: wake whoever waits to refill.
    auto on_close = [event = connected_event_] { ::SetEvent(event->get()); };
    return make_pipe_channel(io_, std::move(instance->pipe), endpoint_, max_message_size_,
                             pipe_end::server, on_close, ec);
  }

  void serve_waiters() {
    while (!waiters_.empty() && !closed_) {
      std::error_code ec;
      auto instance = next_connected(ec);
      if (!instance && !ec) return wait_for_client();
      auto done = std::move(waiters_.front());
      waiters_.pop_front();
      auto channel = instance ? hand_out(std::move(instance), ec) : nullptr;
      done(ec, std::move(channel));
    }
  }

  void wait_for_client() {
    if (waiting_) return;
    waiting_ = true;
    event_waiter_.async_wait([self = shared_from_this()](const std::error_code&) {
      self->waiting_ = false;
      self->serve_waiters();  // cancelled: the waiters were completed by cancel()
    });
  }

  asio::io_context& io_;
  strait::endpoint endpoint_;
  std::wstring path_;
  std::size_t max_message_size_;
  DWORD max_instances_;
  bool allow_remote_;
  DWORD buffer_size_;
  std::size_t backlog_;
  unique_handle name_lock_;                       // C7
  std::unique_ptr<private_security> security_;    // N2
  std::shared_ptr<unique_handle> connected_event_;  // shared with on_close of channels
  asio::windows::object_handle event_waiter_;     // a copy of it, for async waits

  std::list<std::unique_ptr<pipe_instance>> pool_;  // oldest first
  bool first_instance_ = true;
  bool closed_ = false;
  std::deque<accept_completion> waiters_;  // async_accept calls, oldest first
  bool waiting_ = false;                   // an async wait on the event is in flight
  bool scheduled_ = false;                 // serve_waiters is posted
};

}  // namespace

std::shared_ptr<listener_backend> pipe_listen(asio::io_context& io, const strait::endpoint& ep,
                                              const listen_options& options,
                                              std::error_code& ec) {
  // Serving another machine's name is not a thing; instance counts stop at 254.
  if (!ep.host.empty() || options.max_instances > max_countable_instances) {
    ec = make_error_code(errc::invalid_argument);
    return nullptr;
  }
  auto security = private_security::create(ec);
  if (!security) return nullptr;
  auto name_lock = claim_name(ep.name, security->attributes(), ec);
  if (ec) return nullptr;
  auto event = std::make_shared<unique_handle>(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
  HANDLE event_copy = nullptr;
  if (!*event || !::DuplicateHandle(::GetCurrentProcess(), event->get(), ::GetCurrentProcess(),
                                    &event_copy, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
    ec = last_system_error();
    return nullptr;
  }
  auto listener = std::make_shared<named_pipe_listener>(
      io, ep, options, std::move(name_lock), std::move(security), std::move(event), event_copy);
  if ((ec = listener->start())) return nullptr;
  return listener;
}

}  // namespace strait::detail
