// async_waits: one thread per pending wait on a named event or semaphore.
#include "async_waits.hpp"

#include <utility>

#include <strait/error.hpp>

#include "posting.hpp"

namespace strait::detail {
namespace {

// A handler run inline on a wait's own thread (an inline executor) may close
// or restart the object it waited on: that thread cannot join itself.
void join_or_detach(std::thread& t) noexcept {
  if (!t.joinable()) return;
  if (t.get_id() == std::this_thread::get_id())
    t.detach();  // it touches nothing of ours after run() returned
  else
    t.join();
}

}  // namespace

void async_waits::start(std::unique_ptr<wait> w, wait_completion done,
                        const asio::any_io_executor& ex) {
  std::list<entry> ended;
  std::lock_guard lock(mutex_);
  take_finished(ended);
  auto& e = entries_.emplace_back();
  e.w = std::move(w);
  e.done = std::move(done);
  try {
    e.thread = std::thread([this, &e] {
      auto done_here = std::move(e.done);
      const auto ec = e.w->run();
      {
        std::lock_guard finished_lock(mutex_);
        e.finished = true;
      }
      // Posts to the handler's executor (detail::bind_completion): the
      // handler never runs on this thread unless its executor says so.
      done_here(ec);
    });
  } catch (const std::system_error& failure) {
    auto failed = std::move(e.done);
    entries_.pop_back();
    post_error(std::move(failed), make_error_code(errc::resource_exhausted, failure.code().value()),
               ex);
  }
  // `lock` goes first, then `ended` is joined (~entry): a handler run inline
  // on an ended thread may call into this object.
}

void async_waits::cancel() noexcept {
  std::lock_guard lock(mutex_);
  for (auto& e : entries_)
    if (!e.finished) e.w->interrupt();
}

void async_waits::close() noexcept {
  std::list<entry> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& e : entries_)
      if (!e.finished) e.w->interrupt();
    all.splice(all.end(), entries_);  // nodes keep their addresses: threads still see theirs
  }
}  // ~entry joins each thread, outside mutex_

async_waits::entry::~entry() { join_or_detach(thread); }

void async_waits::take_finished(std::list<entry>& ended) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    const auto next = std::next(it);
    if (it->finished && it->thread.get_id() != std::this_thread::get_id())
      ended.splice(ended.end(), entries_, it);
    it = next;
  }
}

void async_waits::post_error(wait_completion done, std::error_code ec,
                             const asio::any_io_executor& ex) {
  post_to(ex, [done = std::move(done), ec]() mutable { done(ec); });
}

}  // namespace strait::detail
