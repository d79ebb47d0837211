// The shm:// channel (docs/shared-memory.md, "The shm:// channel").
//
// Messages go through the connection's two rings (shm_ring.hpp); the pipe
// only carries:
// - the end of the peer: the OS closes a dead process's pipe at once, so a
//   peer killed mid-message is broken_pipe as soon as its handles are gone
//   (C4), without heartbeats or pid polling;
// - doorbells: one byte that wakes an asynchronous operation of the peer,
//   whose io_context cannot sleep on a futex or event.
// Blocking calls wait by wait_strategy: spin on the ring, then sleep on an
// event that the other side sets only when the waiting flag says someone
// sleeps, so a busy channel makes no system calls. Where the platform has a
// cross-process barrier (cross_process_barrier.hpp), a spin or adaptive end
// runs it before it sleeps, so that the other side publishes each message
// without a fence (wake_peer).
#include "shm_channel.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "cpu_relax.hpp"
#include "cross_process_barrier.hpp"
#include "pending_completions.hpp"
#include "posting.hpp"
#include "shm_service.hpp"

namespace strait::detail::shm {
namespace {

// How long wait_strategy::adaptive spins before it also yields the CPU at
// each clock check: an answer from a peer that is running comes well within
// it; past it, the peer is thinking or waiting for a CPU.
constexpr auto adaptive_pure_spin = std::chrono::microseconds(2);

// Spins before a wait reads the clock: the next message of a busy stream
// usually comes within them, and then the call reads no clock at all. Few:
// they hold the CPU without yielding, and a peer just woken may be queued on
// it (64 made the adaptive round trip with a slow peer 3 µs slower).
constexpr unsigned spins_before_clock = 16;

// How often a wait looks at the ring again after cross_process_barrier()
// failed (order_peer_before_looking).
constexpr auto failed_barrier_slice = std::chrono::milliseconds(1);

class shm_channel final : public channel_backend,
                          public keeps_completions,
                          public std::enable_shared_from_this<shm_channel> {
 public:
  shm_channel(channel_settings settings, std::unique_ptr<connection_memory> memory,
              std::shared_ptr<channel_backend> control, bool server)
      : settings_(std::move(settings)),
        memory_(std::move(memory)),
        control_(std::move(control)),
        peer_(control_->peer()),
        out_ring_(server ? 1 : 0),
        in_ring_(server ? 0 : 1),
        out_control_(memory_->control(out_ring_)),
        in_control_(memory_->control(in_ring_)),
        out_(&out_control_, memory_->ring_data(out_ring_), memory_->capacity()),
        in_(&in_control_, memory_->ring_data(in_ring_), memory_->capacity()),
        barrier_registered_(cross_process_barrier_available()),
        spins_before_clock_(settings_.wait == wait_strategy::spin ||
                            (settings_.wait == wait_strategy::adaptive &&
                             settings_.spin_time >= adaptive_pure_spin)) {
    // A block end sleeps on every wait: a system call more there costs more
    // than the peer's fences it saves.
    if (barrier_registered_ && settings_.wait != wait_strategy::block) {
      sleeps_after_barrier_ = true;
      in_control_.consumer_sleeps.store(barrier_before_sleep, std::memory_order_relaxed);
      out_control_.producer_sleeps.store(barrier_before_sleep, std::memory_order_relaxed);
    }
  }

  ~shm_channel() override { close(); }

  // Starts watching the pipe for doorbells and the peer's end.
  void start() {
    drop_at_shutdown(asio::query(settings_.executor, asio::execution::context),
                     weak_from_this());
    asio::post(service_io(), [self = shared_from_this()] { self->watch(); });
  }

  // An async operation waits for the service thread, not the io_context.
  void drop_completions() noexcept override {
    std::optional<receive_op> receive;
    std::optional<send_op> send;
    {
      std::lock_guard lock(async_mutex_);
      if (receive_op_) keep_carry(receive_op_->buffer, receive_op_->got);  // C8
      if (send_op_ && send_op_->sent > 0) break_send_side();
      receive.swap(receive_op_);
      send.swap(send_op_);
      sending_ = false;
    }  // destroyed here, outside the lock: they release the io_context's work
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
                      out_control_.producer_waiting, space_wake(out_ring_), until);
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
    if (write_pieces(message, sent, ec) || ec) return true;
    const auto n = static_cast<std::uint32_t>(message.size());
    if (!spin_briefly([&] { return out_.room_for(n) != ring_producer::result::full ||
                                   peer_stopped_reading(); }))
      return false;  // full, nothing written: the blocking send waits
    return write_pieces(message, sent, ec) || ec;
  }

  void async_send(asio::const_buffer message, size_completion done) override {
    std::lock_guard lock(async_mutex_);
    std::error_code ec = check_send(message.size());
    if (!ec && sending_) ec = make_error_code(errc::invalid_argument);  // one at a time
    if (ec) return post_completion(std::move(done), ec);
    sending_ = true;
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
                      in_control_.consumer_waiting, data_wake(in_ring_), until);
      if (ec) {
        keep_carry(buffer, got);  // C8: a timeout loses nothing
        return 0;
      }
    }
  }

  bool receive_if_ready(asio::mutable_buffer buffer, std::size_t& received,
                        std::error_code& ec) override {
    std::size_t got = 0;
    auto step = read_some(buffer, got);
    if (step == step_result::would_block && got == 0 &&
        spin_briefly([&] { return in_.readable() || peer_stopped_writing(); }))
      step = read_some(buffer, got);
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
    // Wake the peer's blocking calls: they find the closed flags (C4).
    memory_->set(data_wake(out_ring_));
    memory_->set(space_wake(in_ring_));
    // And ours, if another thread of ours is blocked in this channel.
    memory_->set(data_wake(in_ring_));
    memory_->set(space_wake(out_ring_));
    {
      std::lock_guard lock(async_mutex_);
      abort_operations();
    }
    // Closing the pipe ends our watch and wakes the peer's async operations.
    asio::post(service_io(), [control = control_] { control->close(); });
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
  // `wake` is what the peer then sets.
  template <class Ready>
  std::error_code wait_until(Ready ready, std::atomic<std::uint32_t>& waiting, int wake,
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
      order_peer_before_looking();
      if (ready() || closed_) {
        waiting.store(nobody_waits, std::memory_order_relaxed);
        return {};
      }
      std::error_code ec;
      const auto now = clock::now();
      const deadline sleep_until =
          barrier_failed_ ? std::min(until, now + failed_barrier_slice) : until;
      const bool woken = now < until && memory_->wait(wake, sleep_until, ec);
      waiting.store(nobody_waits, std::memory_order_relaxed);
      if (ready() || closed_) return {};
      if (ec && ec != errc::timed_out) return ec;
      if (!woken && sleep_until == until) return make_error_code(errc::timed_out);
    }
  }

  // The first spins of a wait, before it reads the clock: whether ready()
  // came true in them. Not for block, nor for a spin budget shorter than them.
  template <class Ready>
  bool spin_briefly(Ready ready) const {
    if (!spins_before_clock_) return false;
    for (unsigned i = 0; i < spins_before_clock; ++i) {
      if (ready()) return true;
      cpu_relax();
    }
    return ready();
  }

  // Between setting this side's waiting flag and looking at the ring again.
  // The seq_cst store orders this side; the barrier orders the peer, which
  // (having read our *_sleeps) publishes without a fence: each peer thread
  // either had its publication seen by the look that follows, or reads our
  // flag after the barrier and wakes us.
  void order_peer_before_looking() {
    if (!sleeps_after_barrier_ || cross_process_barrier()) return;
    // It worked when this process registered, and no failure has been seen;
    // should it ever fail, tell the peer (it fences again from its next
    // message) and look again every slice from then on: a wake-up the peer
    // skipped costs a slice, never a hang.
    sleeps_after_barrier_ = false;
    in_control_.consumer_sleeps.store(fence_before_sleep, std::memory_order_seq_cst);
    out_control_.producer_sleeps.store(fence_before_sleep, std::memory_order_seq_cst);
    barrier_failed_ = true;
  }

  // An async operation about to wait for the doorbell, after a failed barrier.
  void look_again_later() {
    auto timer = std::make_shared<asio::steady_timer>(service_io(), failed_barrier_slice);
    timer->async_wait([timer, weak = weak_from_this()](const std::error_code&) {
      if (const auto self = weak.lock(); self && !self->closed_) self->on_pipe_event();
    });
  }

  // After this side made progress: wakes the peer if its flag says it sleeps.
  // `peer_sleeps` says how the peer goes to sleep: after a cross-process
  // barrier that orders this thread's publication before its look at the
  // ring (order_peer_before_looking), so only the compiler must keep the
  // order; or relying on this side's full fence (the peer's flag store and
  // this side's publication could otherwise both be missed: no wake-up).
  void wake_peer(std::atomic<std::uint32_t>& waiting,
                 const std::atomic<std::uint32_t>& peer_sleeps, int wake) {
    if (barrier_registered_ &&
        peer_sleeps.load(std::memory_order_relaxed) == barrier_before_sleep)
      std::atomic_signal_fence(std::memory_order_seq_cst);
    else
      std::atomic_thread_fence(std::memory_order_seq_cst);
    if (waiting.load(std::memory_order_relaxed) == nobody_waits) return;
    switch (waiting.exchange(nobody_waits)) {
      case waits_on_event:
        memory_->set(wake);
        break;
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
          wake_peer(out_control_.consumer_waiting, out_control_.consumer_sleeps,
                    data_wake(out_ring_));
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
    memory_->set(data_wake(out_ring_));
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
      wake_peer(in_control_.producer_waiting, in_control_.producer_sleeps,
                space_wake(in_ring_));
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
      order_peer_before_looking();
      if (!in_.readable() && !peer_stopped_writing()) {
        if (barrier_failed_) look_again_later();
        return;  // the doorbell or the end calls again
      }
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
        return post_send_completion(std::move(done), ec);
      }
      out_control_.producer_waiting.store(waits_on_doorbell, std::memory_order_seq_cst);
      order_peer_before_looking();
      if (out_.room_for(next_piece(op.message.size(), op.sent)) == ring_producer::result::full &&
          !peer_stopped_reading()) {
        if (barrier_failed_) look_again_later();
        return;  // the doorbell or the peer's end calls us again
      }
      out_control_.producer_waiting.store(nobody_waits, std::memory_order_relaxed);
    }
    auto done = std::move(op.done);
    const std::size_t n = op.message.size();
    send_op_.reset();
    post_send_completion(std::move(done), {}, n);
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
      post_send_completion(std::move(done), aborted);
    }
  }

  void post_completion(size_completion done, std::error_code ec, std::size_t n = 0) {
    post_to(settings_.executor, [done = std::move(done), ec, n]() mutable { done(ec, n); });
  }

  // A send is in flight until its completion runs, however soon it was
  // written: a second async_send before then is refused, whatever the ring's room.
  void post_send_completion(size_completion done, std::error_code ec, std::size_t n = 0) {
    post_to(settings_.executor, [weak = weak_from_this(), done = std::move(done), ec,
                                 n]() mutable {
      if (const auto self = weak.lock()) self->sending_.store(false, std::memory_order_release);
      done(ec, n);
    });
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
      memory_->set(data_wake(in_ring_));
      memory_->set(space_wake(out_ring_));
    }
    std::lock_guard lock(async_mutex_);
    pump_receive();
    pump_send();
  }

  void ring_doorbell() {
    asio::post(service_io(), [weak = weak_from_this()] {
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
  const std::unique_ptr<connection_memory> memory_;
  const std::shared_ptr<channel_backend> control_;
  const peer_info peer_;
  const int out_ring_;
  const int in_ring_;
  ring_control& out_control_;
  ring_control& in_control_;
  ring_producer out_;
  ring_consumer in_;
  // This process is covered by other processes' cross_process_barrier().
  const bool barrier_registered_;
  const bool spins_before_clock_;
  // This end sleeps only after cross_process_barrier() (ring_control::*_sleeps).
  std::atomic<bool> sleeps_after_barrier_{false};
  // The barrier failed once: from then on waits look again every slice.
  std::atomic<bool> barrier_failed_{false};

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
  // From async_send (set under async_mutex_) until its completion runs, which
  // clears it without the lock: nothing else is decided by it.
  std::atomic<bool> sending_{false};

  bool doorbell_in_flight_ = false;  // service thread only
  bool doorbell_again_ = false;
};

}  // namespace

std::shared_ptr<channel_backend> start_channel(channel_settings settings,
                                               std::unique_ptr<connection_memory> memory,
                                               std::shared_ptr<channel_backend> control,
                                               bool server) {
  auto channel = std::make_shared<shm_channel>(std::move(settings), std::move(memory),
                                               std::move(control), server);
  channel->start();
  return channel;
}

}  // namespace strait::detail::shm
