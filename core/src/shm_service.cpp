// The shm:// service thread and the control pipe's transport (shm_service.hpp).
#include "shm_service.hpp"

#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>

#include <asio/error.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>

#include <strait/error.hpp>

#include "library_exit.hpp"

namespace strait::detail::shm {
namespace {

// Started on first use; stopped at exit, before the error categories its
// handlers use are destroyed: they are constructed first, so their
// destructors run after this atexit handler. The object itself is never
// destroyed (channels in static storage may still refer to its io_context).
// Where the system ended the thread before the handler runs (a DLL's
// handlers on Windows), the handler leaves it alone (library_exit.hpp).
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
    wait_until_running();
    keep_library_loaded();
    std::atexit([] {
      // The thread may have been ended inside a lock that stop() or join()
      // takes: waiting would never end, and nothing of it runs again.
      if (other_threads_ended_by_exit()) return;
      instance().io_.stop();
      instance().thread_.join();
    });
  }

  // Returns once the thread runs a handler, past its start in the thread
  // library. MinGW's winpthreads holds its thread-table lock during that
  // start, and a shared strait's exit handlers take that lock (join, and the
  // C++ runtime deleting its thread_local key): a process that exits while
  // the thread still starts can wait for that lock forever (library_exit.hpp).
  void wait_until_running() {
    std::mutex m;
    std::condition_variable changed;
    bool running = false;
    asio::post(io_, [&] {
      const std::lock_guard lock(m);  // notified under the lock: `changed` outlives it
      running = true;
      changed.notify_one();
    });
    std::unique_lock lock(m);
    changed.wait(lock, [&] { return running; });
  }

  static shm_service& instance() {
    static auto* service = new shm_service;
    return *service;
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::thread thread_;
};

}  // namespace

asio::io_context& service_io() { return shm_service::io(); }

const transport& pipe_transport() {
  for (const auto& t : platform_transports())
    if (t.scheme == "pipe") return t;
  std::terminate();  // every platform has pipe://
}

strait::endpoint control_endpoint(const strait::endpoint& ep) {
  strait::endpoint control;
  control.scheme = "pipe";
  control.name = std::string(control_pipe_prefix) + ep.name;
  return control;
}

}  // namespace strait::detail::shm
