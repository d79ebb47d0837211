// The listening side of shm:// (docs/shared-memory.md, "The shm:// channel").
//
// The listener serves the pipe "strait-shm.NAME". For each client that
// connects it creates the connection's memory (shm_connection.hpp), offers
// it on the pipe, sends the hello (shm_handshake.hpp), and once the client
// has answered, hands out the channel. A client that does not answer within
// handshake_timeout is dropped with what was made for it. The pipe of every
// shm:// listener is driven by the service thread (shm_service.hpp).
#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <string>
#include <utility>

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "pending_completions.hpp"
#include "shm_channel.hpp"
#include "shm_connection.hpp"
#include "shm_handshake.hpp"
#include "shm_service.hpp"
#include "shm_transport.hpp"

namespace strait::detail {
namespace {

using namespace shm;

constexpr std::uint32_t default_capacity = 4u << 20;
// How long a connected client has to answer the hello. Until then the
// connection's memory (8 MiB by default) and its pipe are held for it.
constexpr auto handshake_timeout = std::chrono::seconds(5);

class shm_listener final : public listener_backend,
                           public keeps_completions,
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
    drop_at_shutdown(asio::query(executor_, asio::execution::context), weak_from_this());
    asio::post(service_io(), [self = shared_from_this()] { self->accept_next(); });
  }

  // An async accept waits for the service thread, not the io_context.
  void drop_completions() noexcept override {
    accept_completion dropped;
    std::lock_guard lock(mutex_);
    dropped = std::exchange(accept_op_, {});
  }  // `dropped` goes after the lock: it releases the io_context's work

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
    asio::post(service_io(), [control = control_, closed] {
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
    explicit pending_connection(std::shared_ptr<channel_backend> pipe)
        : control(std::move(pipe)), answer_timer(service_io(), handshake_timeout) {}
    std::shared_ptr<channel_backend> control;
    std::unique_ptr<connection_memory> memory;
    std::array<char, handshake_size> reply{};
    asio::steady_timer answer_timer;
  };

  void handshake(std::shared_ptr<channel_backend> control) {
    auto p = std::make_shared<pending_connection>(std::move(control));
    hello h{{}, capacity_, options_.max_message_size};
    std::error_code created;
    p->memory = create_connection_memory(capacity_, h.region, created);
    if (const auto offered = offer_connection_memory(p->memory.get(), p->control->native_handle())) {
      p->control->close();  // a pipe we cannot write to: the client sees broken_pipe
      return;
    }
    auto message =
        std::make_shared<std::string>(created ? encode_hello_error(created) : encode_hello(h));
    // Closing the pipe ends the operations below, which let go of p.
    p->answer_timer.async_wait([p](std::error_code ec) {
      if (!ec && p->control) p->control->close();  // control is gone once the channel has it
    });
    p->control->async_send(
        asio::buffer(*message),
        size_completion([weak = weak_from_this(), p, message](std::error_code ec, std::size_t) {
          const auto self = weak.lock();
          if (!self || ec || !p->memory) {  // the client gives up too
            p->answer_timer.cancel();
            return;
          }
          p->control->async_receive(
              asio::buffer(p->reply),
              size_completion([weak, p](std::error_code error, std::size_t n) {
                const auto listener = weak.lock();
                p->answer_timer.cancel();
                if (listener && !error) listener->finish_handshake(p, {p->reply.data(), n});
              }));
        }));
  }

  void finish_handshake(const std::shared_ptr<pending_connection>& p, std::string_view reply) {
    std::size_t client_max = 0;
    if (!decode_reply(reply, client_max)) return;  // not a strait client: drop it
    channel_settings settings;
    settings.url = url_;
    settings.executor = executor_;
    settings.max_send = std::min(options_.max_message_size, client_max);
    settings.max_receive = options_.max_message_size;
    settings.wait = options_.shm_wait;
    settings.spin_time = options_.shm_spin_time;
    auto channel = start_channel(std::move(settings), std::move(p->memory),
                                 std::move(p->control), true);
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
  // Written under mutex_; atomic because the service thread's accept loop
  // and is_open() read it without the lock.
  std::atomic<bool> closed_ = false;
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
  auto control = pipe_transport().listen(service_io(), control_endpoint(ep), control_options, ec);
  if (!control) return nullptr;
  auto listener = std::make_shared<shm_listener>(io, ep, options, std::move(control));
  listener->start();
  return listener;
}

}  // namespace strait::detail
