// shm://NAME (docs/shared-memory.md, "The shm:// channel").
//
// The listener serves the named pipe "strait-shm.NAME". A client connects to
// it; the listener creates a region of two rings (shm_ring.hpp) and four
// auto-reset events under a fresh random name and sends that name; the
// client opens them and answers. From then on messages go through the rings
// and the pipe only carries:
// - the end of the peer: the OS closes a dead process's pipe at once, so a
//   peer killed mid-message is broken_pipe as soon as its handles are gone
//   (C4), without heartbeats or pid polling;
// - doorbells: one byte that wakes an asynchronous operation of the peer,
//   whose io_context cannot sleep on a futex or event.
// Blocking calls wait by wait_strategy: spin on the ring, then sleep on an
// event that the other side sets only when the waiting flag says someone
// sleeps, so a busy channel makes no system calls.
//
// The pipes of every shm:// channel and listener of the process are driven by
// one service thread with its own io_context; the user's io_context only runs
// completions.
#include "shm_transport.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstdlib>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include <asio/error.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <fmt/format.h>

#include <strait/shared_memory.hpp>
#include <strait/sync.hpp>

#include "shm_ring.hpp"

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
#include <immintrin.h>
#endif

namespace strait::detail {
namespace {

using namespace shm;

constexpr std::uint32_t default_capacity = 4u << 20;
constexpr std::string_view hello_tag = "strait-shm/1";
constexpr std::size_t handshake_size = 256;
// How long wait_strategy::adaptive spins before it also yields the CPU at
// each clock check: an answer from a peer that is running comes well within
// it; past it, the peer is thinking or waiting for a CPU.
constexpr auto adaptive_pure_spin = std::chrono::microseconds(2);

void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// ---- the service thread ------------------------------------------------------

// Started on first use; stopped at exit, before the error categories its
// handlers use are destroyed: they are constructed first, so their
// destructors run after this atexit handler. The object itself is never
// destroyed (channels in static storage may still refer to its io_context).
class shm_service {
 public:
  static asio::io_context& io() { return instance().io_; }

 private:
  shm_service() {
    (void)strait::category();
    (void)std::system_category();
    (void)asio::error::get_system_category();
    (void)asio::error::get_misc_category();
    thread_ = std::thread([this] { io_.run(); });
    std::atexit([] {
      instance().io_.stop();
      instance().thread_.join();
    });
  }

  static shm_service& instance() {
    static auto* service = new shm_service;
    return *service;
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::thread thread_;
};

const transport& pipe_transport() {
  for (const auto& t : platform_transports())
    if (t.scheme == "pipe") return t;
  std::terminate();  // every platform has pipe://
}

// The pipe a shm:// listener serves: its own namespace, so that pipe://NAME
// and shm://NAME are different names.
strait::endpoint control_endpoint(const strait::endpoint& ep) {
  strait::endpoint control;
  control.scheme = "pipe";
  control.name = "strait-shm." + ep.name;
  return control;
}

std::string fresh_region_name() {
  static std::atomic<std::uint32_t> counter{0};
  std::random_device random;
  return fmt::format("strait-shm-{:08x}{:08x}{:08x}", random(), random(), counter++);
}

// ---- one connection's objects ----------------------------------------------

// Ring 0 carries client to server, ring 1 server to client. data[r] is set by
// ring r's producer for its sleeping consumer, space[r] the other way.
struct connection_objects {
  shared_memory region;
  std::array<named_event, 2> data;
  std::array<named_event, 2> space;
  std::uint32_t capacity = 0;

  ring_control& control(int ring) const noexcept {
    return reinterpret_cast<ring_control*>(region.data() + controls_offset)[ring];
  }
  std::byte* ring_data(int ring) const noexcept {
    return region.data() + data_offset + std::size_t(ring) * capacity;
  }

  static std::error_code create(const std::string& name, std::uint32_t capacity,
                                connection_objects& out) {
    std::error_code ec;
    out.capacity = capacity;
    out.region = shared_memory::create(name, region_size(capacity), {}, ec);  // zeroed
    if (ec) return ec;
    auto* header = reinterpret_cast<region_header*>(out.region.data());
    std::memcpy(header->magic, region_magic, sizeof region_magic);
    header->capacity = capacity;
    return open_events(name, true, out);
  }

  // S6: the server is another process; what it says is checked.
  static std::error_code open(const std::string& name, std::uint32_t capacity,
                              connection_objects& out) {
    std::error_code ec;
    out.capacity = capacity;
    out.region = shared_memory::open(name, {}, ec);
    if (ec) return ec;
    const auto* header = reinterpret_cast<const region_header*>(out.region.data());
    if (out.region.size() < region_size(capacity) ||
        std::memcmp(header->magic, region_magic, sizeof region_magic) != 0)
      return make_error_code(errc::protocol_error);
    return open_events(name, false, out);
  }

  static std::error_code open_events(const std::string& name, bool create,
                                     connection_objects& out) {
    std::error_code ec;
    const auto open_event = [&](named_event& event, std::string_view kind, int ring) {
      if (ec) return;
      const auto event_name = fmt::format("{}.{}{}", name, kind, ring);
      event = create ? named_event::create(event_name, {}, ec)
                     : named_event::open(event_name, {}, ec);
    };
    for (int r = 0; r < 2; ++r) {
      open_event(out.data[r], "d", r);
      open_event(out.space[r], "s", r);
    }
    return ec;
  }
};

// ---- the channel --------------------------------------------------------------

struct channel_settings {
  std::string url;
  asio::any_io_executor executor;
  std::size_t max_send = 0;     // the smaller of both sides' maximums (C9)
  std::size_t max_receive = 0;  // ours; a larger message from the peer is a protocol error
  wait_strategy wait = wait_strategy::adaptive;
  std::chrono::nanoseconds spin_time{};
};

class shm_channel final : public channel_backend,
                          public std::enable_shared_from_this<shm_channel> {
 public:
  shm_channel(channel_settings settings, connection_objects objects,
              std::shared_ptr<channel_backend> control, bool server)
      : settings_(std::move(settings)),
        objects_(std::move(objects)),
        control_(std::move(control)),
        peer_(control_->peer()),
        out_ring_(server ? 1 : 0),
        in_ring_(server ? 0 : 1),
        out_control_(objects_.control(out_ring_)),
        in_control_(objects_.control(in_ring_)),
        out_(&out_control_, objects_.ring_data(out_ring_), objects_.capacity),
        in_(&in_control_, objects_.ring_data(in_ring_), objects_.capacity) {}

  ~shm_channel() override { close(); }

  // Starts watching the pipe for doorbells and the peer's end.
  void start() {
    asio::post(shm_service::io(), [self = shared_from_this()] { self->watch(); });
  }

  asio::any_io_executor get_executor() const override { return settings_.executor; }

  strait::capabilities capabilities() const override {
    strait::capabilities caps;
    caps.max_message_size = settings_.max_send;
    return caps;
  }

  peer_info peer() const override { return peer_; }
  std::string endpoint() const override { return settings_.url; }
  native_handle_type native_handle() const override { return control_->native_handle(); }
  bool is_open() const override { return !closed_; }

  // ---- send ------------------------------------------------------------------

  void send(asio::const_buffer message, deadline until, std::error_code& ec) override {
    if ((ec = check_send(message.size()))) return;
    std::size_t sent = 0;
    while (!write_pieces(message, sent, ec)) {
      if (ec) return;
      const std::uint32_t next = next_piece(message.size(), sent);
      ec = wait_until([&] { return out_.room_for(next) != ring_producer::result::full ||
                                   peer_stopped_reading(); },
                      out_control_.producer_waiting, objects_.space[out_ring_], until);
      if (ec) {
        if (sent > 0) break_send_side();  // a half-sent message cannot be taken back
        return;
      }
    }
  }

  // A message of one piece that fits now. Larger ones take the blocking
  // path even when they fit: their first pieces could go in and the rest not.
  bool send_if_ready(asio::const_buffer message, std::error_code& ec) override {
    if (message.size() > out_.max_piece()) return false;
    if ((ec = check_send(message.size()))) return true;
    std::size_t sent = 0;
    return write_pieces(message, sent, ec) || ec;  // false: full, nothing written
  }

  void async_send(asio::const_buffer message, size_completion done) override {
    std::lock_guard lock(async_mutex_);
    std::error_code ec = check_send(message.size());
    if (!ec && send_op_) ec = make_error_code(errc::invalid_argument);  // one at a time
    if (ec) return post_completion(std::move(done), ec);
    send_op_.emplace(send_op{message, 0, std::move(done)});
    pump_send();
  }

  // ---- receive -----------------------------------------------------------------

  std::size_t receive(asio::mutable_buffer buffer, deadline until,
                      std::error_code& ec) override {
    std::size_t got = 0;
    for (;;) {
      const auto step = read_some(buffer, got);
      if (step != step_result::would_block) return finish_receive(step, got, ec);
      if (peer_stopped_writing() || closed_) {
        if (in_.readable()) continue;  // what it wrote before it stopped comes first
        return finish_receive(end_of_input(), got, ec);
      }
      ec = wait_until([&] { return in_.readable() || peer_stopped_writing(); },
                      in_control_.consumer_waiting, objects_.data[in_ring_], until);
      if (ec) {
        keep_carry(buffer, got);  // C8: a timeout loses nothing
        return 0;
      }
    }
  }

  bool receive_if_ready(asio::mutable_buffer buffer, std::size_t& received,
                        std::error_code& ec) override {
    std::size_t got = 0;
    const auto step = read_some(buffer, got);
    if (step != step_result::would_block) {
      received = finish_receive(step, got, ec);
      return true;
    }
    // The first pieces of a longer message may be in: kept, and handed out
    // first by the receive that follows (as after a timeout, C8).
    keep_carry(buffer, got);
    return false;
  }

  void async_receive(asio::mutable_buffer buffer, size_completion done) override {
    std::lock_guard lock(async_mutex_);
    if (receive_op_) return post_completion(std::move(done), make_error_code(errc::invalid_argument));
    receive_op_.emplace(receive_op{buffer, 0, std::move(done)});
    pump_receive();
  }

  // ---- cancel, close ----------------------------------------------------------------

  void cancel() override {
    std::lock_guard lock(async_mutex_);
    abort_operations();
  }

  void close() override {
    if (closed_.exchange(true)) return;
    out_control_.producer_closed.store(1, std::memory_order_release);
    in_control_.consumer_closed.store(1, std::memory_order_release);
    std::error_code ignored;
    // Wake the peer's blocking calls: they find the closed flags (C4).
    objects_.data[out_ring_].set(ignored);
    objects_.space[in_ring_].set(ignored);
    // And ours, if another thread of ours is blocked in this channel.
    objects_.data[in_ring_].set(ignored);
    objects_.space[out_ring_].set(ignored);
    {
      std::lock_guard lock(async_mutex_);
      abort_operations();
    }
    // Closing the pipe ends our watch and wakes the peer's async operations.
    asio::post(shm_service::io(), [control = control_] { control->close(); });
  }

 private:
  enum class step_result { done, more_data, would_block, failed };

  struct send_op {
    asio::const_buffer message;
    std::size_t sent = 0;
    size_completion done;
  };
  struct receive_op {
    asio::mutable_buffer buffer;
    std::size_t got = 0;
    size_completion done;
  };

  // ---- waiting ----------------------------------------------------------------

  // Returns when ready() holds (success) or at `until` (timed_out). `waiting`
  // is this side's flag in the ring the peer checks after it makes progress;
  // `event` is what the peer then sets.
  template <class Ready>
  std::error_code wait_until(Ready ready, std::atomic<std::uint32_t>& waiting, named_event& event,
                             deadline until) {
    if (settings_.wait != wait_strategy::block) {
      const bool adaptive = settings_.wait == wait_strategy::adaptive;
      const auto start = adaptive ? clock::now() : clock::time_point{};
      const deadline spin_end = adaptive ? std::min(until, start + settings_.spin_time) : until;
      const deadline yield_from = start + adaptive_pure_spin;
      for (unsigned i = 1;; ++i) {
        if (ready()) return {};
        cpu_relax();
        if (i % 64 != 0) continue;
        const auto now = clock::now();
        if (now >= spin_end) break;
        // The peer may be waiting for the CPU this spin holds (a woken peer
        // is often queued on its waker's CPU): let it run.
        if (adaptive && now >= yield_from) std::this_thread::yield();
      }
      if (!adaptive) return make_error_code(errc::timed_out);
    }
    for (;;) {
      // Say we sleep, then look again: the peer publishes, then reads the
      // flag, so one of us sees the other (no lost wake-up).
      waiting.store(waits_on_event, std::memory_order_seq_cst);
      if (ready() || closed_) {
        waiting.store(nobody_waits, std::memory_order_relaxed);
        return {};
      }
      std::error_code ec;
      const auto now = clock::now();
      const bool woken =
          now < until && event.wait_for(until == no_deadline ? infinite : until - now, ec);
      waiting.store(nobody_waits, std::memory_order_relaxed);
      if (ready() || closed_) return {};
      if (!woken) return ec && ec != errc::timed_out ? ec : make_error_code(errc::timed_out);
    }
  }

  // After this side made progress: wakes the peer if its flag says it sleeps.
  void wake_peer(std::atomic<std::uint32_t>& waiting, named_event& event) {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (waiting.load(std::memory_order_relaxed) == nobody_waits) return;
    switch (waiting.exchange(nobody_waits)) {
      case waits_on_event: {
        std::error_code ignored;
        event.set(ignored);
        break;
      }
      case waits_on_doorbell:
        ring_doorbell();
        break;
      default:
        break;  // nobody, or a value only a broken peer writes
    }
  }

  bool peer_stopped_reading() const noexcept {
    return peer_gone_.load() || out_control_.consumer_closed.load(std::memory_order_acquire);
  }
  bool peer_stopped_writing() const noexcept {
    return peer_gone_.load() || in_control_.producer_closed.load(std::memory_order_acquire);
  }

  // ---- the send side --------------------------------------------------------------

  std::error_code check_send(std::size_t size) const {
    if (size > settings_.max_send) return make_error_code(errc::message_too_large);  // C9
    if (closed_ || send_broken_ || peer_stopped_reading())
      return make_error_code(errc::broken_pipe);  // C4
    return {};
  }

  std::uint32_t next_piece(std::size_t size, std::size_t sent) const noexcept {
    return static_cast<std::uint32_t>(std::min<std::size_t>(size - sent, out_.max_piece()));
  }

  // Writes pieces of `message` from `sent` on while they fit. True when the
  // whole message is in the ring; false with ec clear when the ring is full.
  bool write_pieces(asio::const_buffer message, std::size_t& sent, std::error_code& ec) {
    const auto* bytes = static_cast<const std::byte*>(message.data());
    do {
      if (peer_stopped_reading() || closed_) {
        ec = make_error_code(errc::broken_pipe);
        return false;
      }
      const std::uint32_t n = next_piece(message.size(), sent);
      const bool last = sent + n == message.size();
      switch (out_.try_write(bytes + sent, n, last)) {
        case ring_producer::result::ok:
          sent += n;
          wake_peer(out_control_.consumer_waiting, objects_.data[out_ring_]);
          break;
        case ring_producer::result::full:
          return false;
        case ring_producer::result::corrupt:
          break_send_side();
          ec = make_error_code(errc::protocol_error);  // S6
          return false;
      }
    } while (sent < message.size());
    return true;
  }

  void break_send_side() {
    send_broken_ = true;
    out_control_.producer_closed.store(1, std::memory_order_release);
    std::error_code ignored;
    objects_.data[out_ring_].set(ignored);
    ring_doorbell();
  }

  // ---- the receive side ----------------------------------------------------------

  // Copies what the ring holds of the current message into buffer + got.
  step_result read_some(asio::mutable_buffer buffer, std::size_t& got) {
    if (receive_error_) return step_result::failed;
    auto* out = static_cast<std::byte*>(buffer.data());
    if (!carry_.empty()) {  // what a timed-out receive had taken of this message
      const std::size_t n = std::min(carry_.size(), buffer.size() - got);
      std::memcpy(out + got, carry_.data(), n);
      carry_.erase(carry_.begin(), carry_.begin() + static_cast<std::ptrdiff_t>(n));
      got += n;
      if (!carry_.empty()) return step_result::more_data;
    }
    for (;;) {
      ring_consumer::piece piece;
      switch (in_.peek(piece)) {
        case ring_consumer::result::empty:
          return step_result::would_block;
        case ring_consumer::result::corrupt:
          return fail_receive(errc::protocol_error);  // S6
        case ring_consumer::result::ok:
          break;
      }
      // S6: the header is read again at each peek; the peer may have shrunk it.
      if (piece_offset_ > piece.size) return fail_receive(errc::protocol_error);
      const std::size_t n = std::min<std::size_t>(piece.size - piece_offset_, buffer.size() - got);
      if (n > 0) std::memcpy(out + got, piece.data + piece_offset_, n);
      got += n;
      piece_offset_ += static_cast<std::uint32_t>(n);
      if (piece_offset_ < piece.size) return step_result::more_data;  // C3
      message_size_ += piece.size;
      piece_offset_ = 0;
      in_.consume();
      wake_peer(in_control_.producer_waiting, objects_.space[in_ring_]);
      if (message_size_ > settings_.max_receive) return fail_receive(errc::protocol_error);
      if (piece.last) {
        message_size_ = 0;
        return step_result::done;
      }
      if (got == buffer.size()) return step_result::more_data;  // C3
    }
  }

  step_result fail_receive(errc e) {
    receive_error_ = make_error_code(e);
    return step_result::failed;
  }

  // The peer will write no more and the ring is empty: a message it was
  // inside of is cut, and never delivered as if whole (C4).
  step_result end_of_input() { return fail_receive(errc::broken_pipe); }

  std::size_t finish_receive(step_result step, std::size_t got, std::error_code& ec) {
    switch (step) {
      case step_result::done:
        ec = {};
        return got;
      case step_result::more_data:
        ec = make_error_code(errc::more_data);
        return got;
      default:
        ec = receive_error_;
        return 0;
    }
  }

  void keep_carry(asio::mutable_buffer buffer, std::size_t got) {
    if (got == 0) return;
    const auto* p = static_cast<const std::byte*>(buffer.data());
    carry_.insert(carry_.begin(), p, p + got);
  }

  // ---- asynchronous operations (async_mutex_ held) ------------------------------------

  void pump_receive() {
    if (!receive_op_) return;
    auto& op = *receive_op_;
    step_result step;
    for (;;) {
      step = read_some(op.buffer, op.got);
      if (step != step_result::would_block) break;
      if (peer_stopped_writing() || closed_) {
        if (in_.readable()) continue;
        step = end_of_input();
        break;
      }
      in_control_.consumer_waiting.store(waits_on_doorbell, std::memory_order_seq_cst);
      if (!in_.readable() && !peer_stopped_writing()) return;  // the doorbell or the end calls again
      in_control_.consumer_waiting.store(nobody_waits, std::memory_order_relaxed);
    }
    std::error_code ec;
    const std::size_t n = finish_receive(step, op.got, ec);
    auto done = std::move(op.done);
    receive_op_.reset();
    post_completion(std::move(done), ec, n);
  }

  void pump_send() {
    if (!send_op_) return;
    auto& op = *send_op_;
    for (;;) {
      std::error_code ec;
      if (write_pieces(op.message, op.sent, ec)) break;
      if (ec) {
        auto done = std::move(op.done);
        send_op_.reset();
        return post_completion(std::move(done), ec);
      }
      out_control_.producer_waiting.store(waits_on_doorbell, std::memory_order_seq_cst);
      if (out_.room_for(next_piece(op.message.size(), op.sent)) == ring_producer::result::full &&
          !peer_stopped_reading())
        return;  // the doorbell or the peer's end calls us again
      out_control_.producer_waiting.store(nobody_waits, std::memory_order_relaxed);
    }
    auto done = std::move(op.done);
    const std::size_t n = op.message.size();
    send_op_.reset();
    post_completion(std::move(done), {}, n);
  }

  void abort_operations() {
    const auto aborted = make_error_code(errc::operation_aborted);
    if (receive_op_) {
      keep_carry(receive_op_->buffer, receive_op_->got);  // C8: nothing lost
      auto done = std::move(receive_op_->done);
      receive_op_.reset();
      post_completion(std::move(done), aborted);
    }
    if (send_op_) {
      if (send_op_->sent > 0) break_send_side();
      auto done = std::move(send_op_->done);
      send_op_.reset();
      post_completion(std::move(done), aborted);
    }
  }

  void post_completion(size_completion done, std::error_code ec, std::size_t n = 0) {
    asio::post(settings_.executor,
               [done = std::move(done), ec, n]() mutable { done(ec, n); });
  }

  // ---- the pipe (service thread) ---------------------------------------------------

  void watch() {
    auto buffer = std::make_shared<std::array<std::byte, 16>>();
    control_->async_receive(
        asio::buffer(*buffer),
        size_completion([weak = weak_from_this(), buffer](std::error_code ec, std::size_t) {
          const auto self = weak.lock();
          if (!self || self->closed_) return;
          if (ec && ec != errc::more_data) self->peer_gone_.store(true);  // C4
          self->on_pipe_event();
          if (!self->peer_gone_) self->watch();
        }));
  }

  void on_pipe_event() {
    if (peer_gone_) {
      // Blocking calls of ours sleep on these: let them see the end.
      std::error_code ignored;
      objects_.data[in_ring_].set(ignored);
      objects_.space[out_ring_].set(ignored);
    }
    std::lock_guard lock(async_mutex_);
    pump_receive();
    pump_send();
  }

  void ring_doorbell() {
    asio::post(shm_service::io(), [weak = weak_from_this()] {
      if (const auto self = weak.lock()) self->send_doorbell();
    });
  }

  // Service thread only: one doorbell in flight, at most one more queued.
  void send_doorbell() {
    if (doorbell_in_flight_) {
      doorbell_again_ = true;
      return;
    }
    if (closed_ || peer_gone_) return;
    static constexpr std::byte ring{1};
    doorbell_in_flight_ = true;
    control_->async_send(asio::buffer(&ring, 1),
                         size_completion([weak = weak_from_this()](std::error_code, std::size_t) {
                           const auto self = weak.lock();
                           if (!self) return;
                           self->doorbell_in_flight_ = false;
                           if (std::exchange(self->doorbell_again_, false)) self->send_doorbell();
                         }));
  }

  const channel_settings settings_;
  connection_objects objects_;
  const std::shared_ptr<channel_backend> control_;
  const peer_info peer_;
  const int out_ring_;
  const int in_ring_;
  ring_control& out_control_;
  ring_control& in_control_;
  ring_producer out_;
  ring_consumer in_;

  std::atomic<bool> closed_{false};
  std::atomic<bool> peer_gone_{false};
  std::atomic<bool> send_broken_{false};

  // Receive state: one receive at a time (blocking, or async under async_mutex_).
  std::uint32_t piece_offset_ = 0;   // bytes of the ring's first record already handed out
  std::size_t message_size_ = 0;     // bytes of the current message so far
  std::vector<std::byte> carry_;     // taken by an interrupted receive, handed out first
  std::error_code receive_error_;    // sticky

  std::mutex async_mutex_;
  std::optional<receive_op> receive_op_;
  std::optional<send_op> send_op_;

  bool doorbell_in_flight_ = false;  // service thread only
  bool doorbell_again_ = false;
};

// ---- the handshake -------------------------------------------------------------------

// "strait-shm/1 REGION CAPACITY MAX" from the listener, "ok MAX" back.
struct hello {
  std::string region;
  std::uint32_t capacity = 0;
  std::size_t max_message_size = 0;
};

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    const auto space = s.find(' ');
    out.push_back(s.substr(0, space));
    if (space == std::string_view::npos) break;
    s.remove_prefix(space + 1);
  }
  return out;
}

template <class Int>
bool parse_number(std::string_view s, Int& out) {
  const auto [end, e] = std::from_chars(s.data(), s.data() + s.size(), out);
  return e == std::errc{} && end == s.data() + s.size();
}

// S6 for the handshake: the listener is another process.
std::error_code parse_hello(std::string_view text, hello& h) {
  const auto w = words(text);
  if (w.size() == 3 && w[0] == hello_tag && w[1] == "error") {
    int code = 0;
    if (parse_number(w[2], code) && code > 0 && code <= static_cast<int>(errc::io_error))
      return make_error_code(static_cast<errc>(code));
  }
  if (w.size() != 4 || w[0] != hello_tag || !is_valid_name(w[1]) ||
      !parse_number(w[2], h.capacity) || !valid_capacity(h.capacity) ||
      !parse_number(w[3], h.max_message_size) || h.max_message_size == 0)
    return make_error_code(errc::protocol_error);
  h.region = std::string(w[1]);
  return {};
}

// ---- the listener ------------------------------------------------------------------------

class shm_listener final : public listener_backend,
                           public std::enable_shared_from_this<shm_listener> {
 public:
  shm_listener(asio::io_context& io, strait::endpoint ep, const listen_options& options,
               std::shared_ptr<listener_backend> control)
      : executor_(io.get_executor()),
        url_(ep.url()),
        options_(options),
        capacity_(ring_capacity(options.buffer_size)),
        control_(std::move(control)) {}

  ~shm_listener() override { close(); }

  static std::uint32_t ring_capacity(std::size_t requested) {
    if (requested == 0) return default_capacity;
    return static_cast<std::uint32_t>((requested + 63) / 64 * 64);
  }

  void start() {
    asio::post(shm_service::io(), [self = shared_from_this()] { self->accept_next(); });
  }

  asio::any_io_executor get_executor() const override { return executor_; }
  std::string endpoint() const override { return url_; }
  bool is_open() const override { return !closed_; }

  std::shared_ptr<channel_backend> accept(deadline until, std::error_code& ec) override {
    std::unique_lock lock(mutex_);
    const auto ready = [&] { return !ready_.empty() || closed_; };
    if (until == no_deadline)
      changed_.wait(lock, ready);
    else
      changed_.wait_until(lock, until, ready);
    if (closed_) {
      ec = make_error_code(errc::operation_aborted);
      return nullptr;
    }
    if (ready_.empty()) {
      ec = make_error_code(errc::timed_out);
      return nullptr;
    }
    ec = {};
    auto channel = std::move(ready_.front());
    ready_.pop_front();
    return channel;
  }

  void async_accept(accept_completion done) override {
    std::lock_guard lock(mutex_);
    std::error_code ec;
    if (closed_) ec = make_error_code(errc::operation_aborted);
    else if (accept_op_) ec = make_error_code(errc::invalid_argument);  // one at a time
    if (ec || !ready_.empty()) {
      std::shared_ptr<channel_backend> channel;
      if (!ec) {
        channel = std::move(ready_.front());
        ready_.pop_front();
      }
      return post_accept(std::move(done), ec, std::move(channel));
    }
    accept_op_ = std::move(done);
  }

  void cancel() override {
    std::lock_guard lock(mutex_);
    if (accept_op_)
      post_accept(std::exchange(accept_op_, {}), make_error_code(errc::operation_aborted), nullptr);
  }

  void close() override {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return;
      closed_ = true;
      ready_.clear();  // their destructors close them: the clients see broken_pipe
      if (accept_op_)
        post_accept(std::exchange(accept_op_, {}), make_error_code(errc::operation_aborted),
                    nullptr);
    }
    changed_.notify_all();
    // Synchronously, so that the name is free when close returns (C5, C7).
    // The promise lives in the handler: set_value may still be touching it
    // when wait() returns here.
    auto closed = std::make_shared<std::promise<void>>();
    auto done = closed->get_future();
    asio::post(shm_service::io(), [control = control_, closed] {
      control->close();
      closed->set_value();
    });
    done.wait();
  }

 private:
  void post_accept(accept_completion done, std::error_code ec,
                   std::shared_ptr<channel_backend> channel) {
    asio::post(executor_, [done = std::move(done), ec, channel = std::move(channel)]() mutable {
      done(ec, std::move(channel));
    });
  }

  // Service thread: keeps one accept pending on the pipe while open.
  void accept_next() {
    control_->async_accept(listener_backend::accept_completion(
        [weak = weak_from_this()](std::error_code ec, std::shared_ptr<channel_backend> control) {
          const auto self = weak.lock();
          if (!self || self->closed_) return;
          if (!ec) self->handshake(std::move(control));
          if (ec == errc::operation_aborted) return;
          self->accept_next();
        }));
  }

  struct pending_connection {
    std::shared_ptr<channel_backend> control;
    connection_objects objects;
    std::array<char, handshake_size> reply{};
  };

  void handshake(std::shared_ptr<channel_backend> control) {
    auto p = std::make_shared<pending_connection>();
    p->control = std::move(control);
    const std::string region = fresh_region_name();
    std::string text;
    if (const auto ec = connection_objects::create(region, capacity_, p->objects))
      text = fmt::format("{} error {}", hello_tag, static_cast<int>(to_errc(ec)));
    else
      text = fmt::format("{} {} {} {}", hello_tag, region, capacity_, options_.max_message_size);
    auto message = std::make_shared<std::string>(std::move(text));
    p->control->async_send(
        asio::buffer(*message),
        size_completion([weak = weak_from_this(), p, message](std::error_code ec, std::size_t) {
          const auto self = weak.lock();
          if (!self || ec || !p->objects.region.is_open()) return;  // the client gives up too
          p->control->async_receive(
              asio::buffer(p->reply),
              size_completion([weak, p](std::error_code error, std::size_t n) {
                const auto listener = weak.lock();
                if (listener && !error) listener->finish_handshake(p, {p->reply.data(), n});
              }));
        }));
  }

  void finish_handshake(const std::shared_ptr<pending_connection>& p, std::string_view reply) {
    const auto w = words(reply);
    std::size_t client_max = 0;
    if (w.size() != 2 || w[0] != "ok" || !parse_number(w[1], client_max) || client_max == 0)
      return;  // not a strait client: drop it
    channel_settings settings;
    settings.url = url_;
    settings.executor = executor_;
    settings.max_send = std::min(options_.max_message_size, client_max);
    settings.max_receive = options_.max_message_size;
    settings.wait = options_.shm_wait;
    settings.spin_time = options_.shm_spin_time;
    auto channel = std::make_shared<shm_channel>(std::move(settings), std::move(p->objects),
                                                 std::move(p->control), true);
    channel->start();
    std::unique_lock lock(mutex_);
    if (closed_) return;
    if (accept_op_) {
      post_accept(std::exchange(accept_op_, {}), {}, std::move(channel));
      return;
    }
    ready_.push_back(std::move(channel));
    lock.unlock();
    changed_.notify_one();
  }

  const asio::any_io_executor executor_;
  const std::string url_;
  const listen_options options_;
  const std::uint32_t capacity_;
  const std::shared_ptr<listener_backend> control_;

  std::mutex mutex_;
  std::condition_variable changed_;
  bool closed_ = false;
  std::deque<std::shared_ptr<channel_backend>> ready_;
  accept_completion accept_op_;
};

}  // namespace

std::shared_ptr<listener_backend> shm_listen(asio::io_context& io, const strait::endpoint& ep,
                                             const listen_options& options, std::error_code& ec) {
  if (options.allow_remote_clients) {
    ec = make_error_code(errc::not_supported);  // shared memory is one machine's
    return nullptr;
  }
  if (options.buffer_size != 0 && !valid_capacity(shm_listener::ring_capacity(options.buffer_size))) {
    ec = make_error_code(errc::invalid_argument);
    return nullptr;
  }
  listen_options control_options;
  control_options.max_instances = options.max_instances;  // C5: pipe_busy past it
  control_options.max_message_size = handshake_size;
  control_options.buffer_size = 4096;
  auto control = pipe_transport().listen(shm_service::io(), control_endpoint(ep), control_options, ec);
  if (!control) return nullptr;
  auto listener = std::make_shared<shm_listener>(io, ep, options, std::move(control));
  listener->start();
  return listener;
}

std::shared_ptr<channel_backend> shm_connect(asio::io_context& io, const strait::endpoint& ep,
                                             const connect_options& options,
                                             std::error_code& ec) {
  const deadline until = deadline_after(options.timeout);
  connect_options control_options;
  control_options.timeout = options.timeout;
  control_options.max_message_size = handshake_size;
  control_options.server_user = options.server_user;  // N2: who serves the name
  auto control = pipe_transport().connect(shm_service::io(), control_endpoint(ep),
                                          control_options, ec);
  if (!control) return nullptr;

  std::array<char, handshake_size> text{};
  const std::size_t n = control->receive(asio::buffer(text), until, ec);
  if (ec) {
    if (ec == errc::more_data) ec = make_error_code(errc::protocol_error);
    return nullptr;
  }
  hello h;
  if ((ec = parse_hello({text.data(), n}, h))) return nullptr;
  connection_objects objects;
  if ((ec = connection_objects::open(h.region, h.capacity, objects))) return nullptr;
  const auto reply = fmt::format("ok {}", options.max_message_size);
  control->send(asio::buffer(reply), until, ec);
  if (ec) return nullptr;

  channel_settings settings;
  settings.url = ep.url();
  settings.executor = io.get_executor();
  settings.max_send = std::min(options.max_message_size, h.max_message_size);
  settings.max_receive = options.max_message_size;
  settings.wait = options.shm_wait;
  settings.spin_time = options.shm_spin_time;
  auto channel = std::make_shared<shm_channel>(std::move(settings), std::move(objects),
                                               std::move(control), false);
  channel->start();
  return channel;
}

}  // namespace strait::detail
