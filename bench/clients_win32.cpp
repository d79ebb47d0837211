// The clients sweep's raw floors on Windows: one thread, one I/O completion
// port, overlapped reads and writes, every byte read written straight back.
// This is the server a C programmer writes for "many clients, one thread" on
// Windows; strait's io_context server (asio, itself on IOCP) is compared with it.
//
// Accepts go through the port too, so there is no accept thread to hand
// clients over (and none whose wake-ups the CPU column would count): a named
// pipe listens with an overlapped ConnectNamedPipe on a fresh instance, a
// socket with AcceptEx into a socket made ahead. A few accepts are kept
// pending at once, the pipe's equivalent of a listen backlog (a client that
// finds no free instance gets ERROR_PIPE_BUSY and retries).
#include "raw_win32_socket.hpp"  // winsock2.h before windows.h

#include <mswsock.h>

#include <array>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "clients.hpp"
#include "raw_win32.hpp"

namespace strait::bench {
namespace {

constexpr std::string_view pipe_floor = "raw named pipe iocp";
constexpr std::string_view tcp_floor = "raw tcp iocp";

constexpr std::size_t accept_backlog = 4;  // accepts pending at once
constexpr DWORD idle_limit_ms = 60'000;
constexpr DWORD pipe_buffer = 64 * 1024;  // as the "raw named pipe" baseline's

enum class step { accepting, reading, writing };

// One client and its one operation in flight: a client waits for each echo
// before it sends again, so a connection reads or writes, never both.
struct connection {
  OVERLAPPED overlapped{};  // first member: a completion's OVERLAPPED* is its connection
  HANDLE handle = INVALID_HANDLE_VALUE;  // the pipe instance, or the SOCKET
  step now = step::accepting;
  bool in_flight = false;  // a completion is still to come
  std::array<char, 4096> buffer{};
  DWORD filled = 0;  // bytes read, to be echoed
  DWORD echoed = 0;  // of those, written back so far
};
static_assert(std::is_standard_layout_v<connection>);  // the cast from its OVERLAPPED*

const char* step_name(step s) {
  return s == step::accepting ? "accept" : s == step::reading ? "read" : "write";
}

// What a client's going away looks like, on a pipe or a socket: its end, not a failure.
bool is_client_gone(DWORD error) {
  switch (error) {
    case ERROR_BROKEN_PIPE:         // pipe: read after the client closed
    case ERROR_NO_DATA:             // pipe: write after it closed
    case ERROR_PIPE_NOT_CONNECTED:
    case ERROR_NETNAME_DELETED:     // socket reset, as a completion status
    case ERROR_CONNECTION_ABORTED:
    case WSAECONNRESET:             // the same, as an immediate WSA error
    case WSAECONNABORTED:
      return true;
    default:
      return false;
  }
}

// What differs between a named pipe and a socket; the loop below is the same.
// begin_* return NO_ERROR when a completion will come (done at once or
// pending: without FILE_SKIP_COMPLETION_PORT_ON_SUCCESS both queue one), else
// the error, with no completion to come.
class endpoint {
 public:
  virtual ~endpoint() = default;
  // Makes c.handle and starts an overlapped accept into it; false when the
  // client is already connected, with no completion to come.
  virtual bool begin_accept(connection& c) = 0;
  virtual void finish_accept(connection& c) = 0;  // accepted: ready to read
  virtual DWORD begin_read(connection& c) = 0;
  virtual DWORD begin_write(connection& c) = 0;
  virtual void close(connection& c) = 0;
  // The handle `c`'s operation was started on (an accept: the listener's).
  virtual HANDLE issued_on(const connection& c) const = 0;
  // A read of 0 bytes: a socket's orderly close; on a message pipe an empty message.
  virtual bool zero_read_is_close() const = 0;
};

void associate(HANDLE port, HANDLE h) {
  if (!::CreateIoCompletionPort(h, port, 0, 0)) fail_win32("CreateIoCompletionPort");
}

DWORD overlapped_status(BOOL ok) {  // ReadFile / WriteFile / ConnectNamedPipe, overlapped
  if (ok) return NO_ERROR;
  const DWORD error = ::GetLastError();
  // ERROR_MORE_DATA is a warning status: its completion is queued as well.
  return error == ERROR_IO_PENDING || error == ERROR_MORE_DATA ? NO_ERROR : error;
}

class pipe_endpoint final : public endpoint {
 public:
  pipe_endpoint(HANDLE port, const std::string& name) : port_(port), path_(named_pipe_path(name)) {}

  bool begin_accept(connection& c) override {
    // The first instance claims the name (Wine ignores the flag; Windows keeps a squatter out).
    const DWORD first = first_ ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0;
    c.handle = ::CreateNamedPipeA(
        path_.c_str(), PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED | first,
        PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
        PIPE_UNLIMITED_INSTANCES, pipe_buffer, pipe_buffer, 0, nullptr);
    if (c.handle == INVALID_HANDLE_VALUE) fail_win32("CreateNamedPipe " + path_);
    first_ = false;
    associate(port_, c.handle);
    const DWORD error = overlapped_status(::ConnectNamedPipe(c.handle, &c.overlapped));
    // The client opened it between create and connect: no completion comes.
    if (error == ERROR_PIPE_CONNECTED) return false;
    if (error != NO_ERROR) fail_win32("ConnectNamedPipe", error);
    return true;
  }
  void finish_accept(connection&) override {}
  DWORD begin_read(connection& c) override {
    const auto size = static_cast<DWORD>(c.buffer.size());
    return overlapped_status(::ReadFile(c.handle, c.buffer.data(), size, nullptr, &c.overlapped));
  }
  DWORD begin_write(connection& c) override {
    return overlapped_status(::WriteFile(c.handle, c.buffer.data() + c.echoed,
                                         c.filled - c.echoed, nullptr, &c.overlapped));
  }
  void close(connection& c) override { ::CloseHandle(c.handle); }
  HANDLE issued_on(const connection& c) const override { return c.handle; }
  bool zero_read_is_close() const override { return false; }

 private:
  HANDLE port_;
  std::string path_;
  bool first_ = true;
};

SOCKET socket_of(const connection& c) { return reinterpret_cast<SOCKET>(c.handle); }

DWORD wsa_overlapped_status(int rc) {  // WSARecv / WSASend, overlapped
  if (rc == 0) return NO_ERROR;
  const int error = ::WSAGetLastError();
  return error == WSA_IO_PENDING ? NO_ERROR : static_cast<DWORD>(error);
}

class tcp_endpoint final : public endpoint {
 public:
  tcp_endpoint(HANDLE port, const std::string& tcp_port)
      : port_(port), listener_(overlapped_socket()) {
    const auto address = loopback(tcp_port);
    if (::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
      fail_wsa("bind");
    if (::listen(listener_.get(), SOMAXCONN) != 0) fail_wsa("listen");
    associate(port_, reinterpret_cast<HANDLE>(listener_.get()));
    // AcceptEx is an extension: its address comes from the provider (no mswsock import).
    GUID id = WSAID_ACCEPTEX;
    DWORD size = 0;
    if (::WSAIoctl(listener_.get(), SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof id,
                   &accept_ex_, sizeof accept_ex_, &size, nullptr, nullptr) != 0)
      fail_wsa("WSAIoctl(AcceptEx)");
  }

  bool begin_accept(connection& c) override {
    c.handle = reinterpret_cast<HANDLE>(overlapped_socket());
    // No data with the accept: the addresses only, each with the 16 B AcceptEx wants.
    constexpr DWORD address_size = sizeof(sockaddr_in) + 16;
    static_assert(2 * address_size <= sizeof c.buffer);
    DWORD unused = 0;
    if (!accept_ex_(listener_.get(), socket_of(c), c.buffer.data(), 0, address_size,
                    address_size, &unused, &c.overlapped) &&
        ::WSAGetLastError() != WSA_IO_PENDING)
      fail_wsa("AcceptEx");
    return true;
  }
  void finish_accept(connection& c) override {
    // Gives the accepted socket the listener's properties (getpeername, shutdown...).
    SOCKET listener = listener_.get();
    if (::setsockopt(socket_of(c), SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT,
                     reinterpret_cast<const char*>(&listener), sizeof listener) != 0)
      fail_wsa("SO_UPDATE_ACCEPT_CONTEXT");
    BOOL on = TRUE;  // as the clients: every 64 B echo goes out at once
    ::setsockopt(socket_of(c), IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&on),
                 sizeof on);
    associate(port_, c.handle);
  }
  DWORD begin_read(connection& c) override {
    WSABUF b{static_cast<ULONG>(c.buffer.size()), c.buffer.data()};
    DWORD flags = 0;
    return wsa_overlapped_status(
        ::WSARecv(socket_of(c), &b, 1, nullptr, &flags, &c.overlapped, nullptr));
  }
  DWORD begin_write(connection& c) override {
    WSABUF b{c.filled - c.echoed, c.buffer.data() + c.echoed};
    return wsa_overlapped_status(
        ::WSASend(socket_of(c), &b, 1, nullptr, 0, &c.overlapped, nullptr));
  }
  void close(connection& c) override { ::closesocket(socket_of(c)); }
  HANDLE issued_on(const connection& c) const override {
    return c.now == step::accepting ? reinterpret_cast<HANDLE>(listener_.get()) : c.handle;
  }
  bool zero_read_is_close() const override { return true; }

 private:
  static SOCKET overlapped_socket() {
    const SOCKET s =
        ::WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_OVERLAPPED);
    if (s == INVALID_SOCKET) fail_wsa("WSASocket");
    return s;
  }

  HANDLE port_;
  socket_handle listener_;
  LPFN_ACCEPTEX accept_ex_ = nullptr;
};

// The loop: accept until `clients` have come, echo each read, end when the
// last one has closed.
class iocp_echo_server {
 public:
  iocp_echo_server(HANDLE port, endpoint& e, std::size_t clients)
      : port_(port), endpoint_(e), clients_(clients) {}
  iocp_echo_server(const iocp_echo_server&) = delete;
  iocp_echo_server& operator=(const iocp_echo_server&) = delete;
  ~iocp_echo_server() { cancel_and_close(); }

  std::uint64_t run() {
    std::array<OVERLAPPED_ENTRY, 64> entries{};
    while (accepted_ < clients_ || open_ > 0) {
      start_accepts();
      ULONG n = 0;
      if (!::GetQueuedCompletionStatusEx(port_, entries.data(), static_cast<ULONG>(entries.size()),
                                         &n, idle_limit_ms, FALSE)) {
        const DWORD error = ::GetLastError();
        if (error == WAIT_TIMEOUT) throw bench_error("no client activity for 60 s");
        fail_win32("GetQueuedCompletionStatusEx", error);
      }
      for (ULONG i = 0; i < n; ++i) {
        auto& c = *reinterpret_cast<connection*>(entries[i].lpOverlapped);
        c.in_flight = false;
        DWORD bytes = 0, error = NO_ERROR;
        if (!::GetOverlappedResult(endpoint_.issued_on(c), &c.overlapped, &bytes, FALSE))
          error = ::GetLastError();
        completed(c, error, bytes);
      }
    }
    return bytes_echoed_ / clients_message_size;
  }

 private:
  void start_accepts() {
    while (accepting_ < accept_backlog && accepted_ + accepting_ < clients_) {
      auto& c = *connections_.emplace_back(std::make_unique<connection>());
      ++accepting_;
      if (endpoint_.begin_accept(c)) {
        c.in_flight = true;
      } else {
        completed(c, NO_ERROR, 0);
      }
    }
  }

  void completed(connection& c, DWORD error, DWORD bytes) {
    if (error == ERROR_MORE_DATA)
      throw bench_error(fmt::format("a message over {} B", c.buffer.size()));
    if (error != NO_ERROR && !is_client_gone(error)) fail_win32(step_name(c.now), error);
    switch (c.now) {
      case step::accepting:
        --accepting_;
        if (error != NO_ERROR) return drop(c);  // gone before accepted: accept another
        endpoint_.finish_accept(c);
        ++accepted_;
        ++open_;
        return read(c);
      case step::reading:
        if (error != NO_ERROR || (bytes == 0 && endpoint_.zero_read_is_close())) return end(c);
        if (bytes == 0) return read(c);
        c.filled = bytes;
        c.echoed = 0;
        return write(c);
      case step::writing:
        if (error != NO_ERROR) return end(c);
        c.echoed += bytes;
        bytes_echoed_ += bytes;
        // A partial write: the rest first (a message pipe writes whole, a socket may not).
        return c.echoed < c.filled ? write(c) : read(c);
    }
  }

  void read(connection& c) {
    c.now = step::reading;
    issued(c, endpoint_.begin_read(c));
  }
  void write(connection& c) {
    c.now = step::writing;
    issued(c, endpoint_.begin_write(c));
  }
  void issued(connection& c, DWORD error) {
    if (error == NO_ERROR) {
      c.in_flight = true;
    } else if (is_client_gone(error)) {
      end(c);
    } else {
      fail_win32(step_name(c.now), error);
    }
  }

  void end(connection& c) {  // the client closed: done with it
    --open_;
    drop(c);
  }
  void drop(connection& c) {
    if (c.handle != INVALID_HANDLE_VALUE) endpoint_.close(c);
    std::erase_if(connections_, [&](const auto& p) { return p.get() == &c; });
  }

  // Only after a failure is anything still in flight: cancel it and wait for
  // its completions, so that the system writes into no freed OVERLAPPED.
  void cancel_and_close() noexcept {
    std::size_t in_flight = 0;
    for (const auto& c : connections_)
      if (c->in_flight && ::CancelIoEx(endpoint_.issued_on(*c), &c->overlapped)) ++in_flight;
    while (in_flight > 0) {
      DWORD bytes = 0;
      ULONG_PTR key = 0;
      OVERLAPPED* done = nullptr;
      ::GetQueuedCompletionStatus(port_, &bytes, &key, &done, 5000);
      if (!done) break;  // none came: what is left is leaked below, not freed
      for (const auto& c : connections_)
        if (&c->overlapped == done && std::exchange(c->in_flight, false)) --in_flight;
    }
    for (auto& c : connections_) {
      if (c->in_flight) {
        (void)c.release();
      } else if (c->handle != INVALID_HANDLE_VALUE) {
        endpoint_.close(*c);
      }
    }
  }

  HANDLE port_;
  endpoint& endpoint_;
  std::size_t clients_, accepting_ = 0, accepted_ = 0, open_ = 0;
  std::uint64_t bytes_echoed_ = 0;
  std::vector<std::unique_ptr<connection>> connections_;
};

}  // namespace

std::vector<raw_echo_floor> raw_echo_floors() {
  return {
      {std::string(pipe_floor), "raw named pipe", {"strait pipe"}},
      {std::string(tcp_floor), "raw tcp", {"strait tcp"}},
  };
}

std::uint64_t serve_raw_echo(const std::string& label, const std::string& address,
                             std::size_t clients) {
  // One thread: at most one runs the port's completions at a time.
  win32_handle port(::CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1));
  if (!port.valid()) fail_win32("CreateIoCompletionPort");
  std::unique_ptr<endpoint> e;
  if (label == pipe_floor) {
    e = std::make_unique<pipe_endpoint>(port.get(), address);
  } else if (label == tcp_floor) {
    e = std::make_unique<tcp_endpoint>(port.get(), address);
  } else {
    throw bench_error("no raw echo floor named " + label);
  }
  return iocp_echo_server(port.get(), *e, clients).run();
}

double process_cpu_seconds() {
  FILETIME creation, exited, kernel, user;
  if (!::GetProcessTimes(::GetCurrentProcess(), &creation, &exited, &kernel, &user)) return -1;
  const auto seconds = [](const FILETIME& t) {  // 100 ns units
    return static_cast<double>((std::uint64_t{t.dwHighDateTime} << 32) | t.dwLowDateTime) / 1e7;
  };
  return seconds(kernel) + seconds(user);
}

}  // namespace strait::bench
