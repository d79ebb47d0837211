// detail::completion, the type-erased handler every asynchronous operation
// carries through a backend: called once, never lost, never leaked, and (issue
// 13) a bound asio handler kept inline; and post_to, which backends post
// completions with.
#include <cstdlib>
#include <functional>
#include <memory>
#include <new>
#include <system_error>
#include <thread>
#include <utility>

#include <asio/bind_executor.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>

#include <strait/detail/completion.hpp>

#include "catch.hpp"
#include "posting.hpp"

// Allocations made by this thread while counting_allocations is set.
namespace {
thread_local bool counting_allocations = false;
thread_local int allocations = 0;
}  // namespace

// Every form a sanitizer's runtime also defines is replaced, so that one
// pair of functions allocates and frees everything.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (counting_allocations) ++allocations;
  return std::malloc(size ? size : 1);
}
void* operator new(std::size_t size) {
  if (void* p = operator new(size, std::nothrow)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return operator new(size, std::nothrow);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

using size_completion = strait::detail::completion<void(std::error_code, std::size_t)>;

// Counts the handlers alive and calls through a shared counter.
struct probe {
  std::shared_ptr<int> calls;
  std::shared_ptr<int> alive;
  std::size_t* last = nullptr;

  probe(std::shared_ptr<int> c, std::shared_ptr<int> a, std::size_t* l)
      : calls(std::move(c)), alive(std::move(a)), last(l) {
    ++*alive;
  }
  probe(probe&& o) noexcept : calls(o.calls), alive(o.alive), last(o.last) { ++*alive; }
  ~probe() { --*alive; }
  void operator()(std::error_code, std::size_t n) {
    ++*calls;
    *last = n;
  }
};

struct big_probe : probe {
  using probe::probe;
  char padding[256] = {};
};

template <class Handler>
void check_called_once_and_freed() {
  auto calls = std::make_shared<int>(0);
  auto alive = std::make_shared<int>(0);
  std::size_t last = 0;
  {
    size_completion c(Handler(calls, alive, &last));
    CHECK(*alive == 1);
    size_completion moved(std::move(c));
    CHECK_FALSE(c);
    CHECK(moved);
    CHECK(*alive == 1);
    moved(std::error_code{}, 42);
    CHECK_FALSE(moved);
    CHECK(*calls == 1);
    CHECK(last == 42);
    CHECK(*alive == 0);  // freed once it has run, not when the object goes
  }
  CHECK(*alive == 0);
}

}  // namespace

TEST_CASE("completion.small_handler_is_called_once_and_freed", "[completion]") {
  check_called_once_and_freed<probe>();
}

TEST_CASE("completion.large_handler_is_called_once_and_freed", "[completion]") {
  check_called_once_and_freed<big_probe>();
}

TEST_CASE("completion.reset_and_destruction_free_an_uncalled_handler", "[completion]") {
  auto calls = std::make_shared<int>(0);
  auto alive = std::make_shared<int>(0);
  std::size_t last = 0;
  size_completion small(probe(calls, alive, &last));
  size_completion large(big_probe(calls, alive, &last));
  CHECK(*alive == 2);
  small.reset();
  CHECK_FALSE(small);
  CHECK(*alive == 1);
  { size_completion gone(std::move(large)); }
  CHECK(*alive == 0);
  CHECK(*calls == 0);
}

TEST_CASE("completion.assignment_frees_the_handler_it_replaces", "[completion]") {
  auto calls = std::make_shared<int>(0);
  auto alive = std::make_shared<int>(0);
  std::size_t last = 0;
  size_completion a(probe(calls, alive, &last));
  a = size_completion(big_probe(calls, alive, &last));
  CHECK(*alive == 1);
  a = size_completion(probe(calls, alive, &last));
  CHECK(*alive == 1);
  a(std::error_code{}, 7);
  CHECK(*calls == 1);
  CHECK(*alive == 0);
}

// A backend keeps the pending operation's completion in one place and a
// handler that starts the next operation stores the next completion there,
// while it is running.
TEST_CASE("completion.a_running_handler_may_replace_itself", "[completion]") {
  for (const bool large : {false, true}) {
    size_completion slot;
    int runs = 0;
    auto alive = std::make_shared<int>(0);
    std::function<void(int)> arm = [&](int left) {
      auto keep = std::make_shared<int>(0);
      auto body = [&, left, keep, alive](std::error_code, std::size_t) {
        ++runs;
        if (left > 0) arm(left - 1);  // overwrites `slot` while this runs
        CHECK(*keep == 0);            // this handler's captures are still intact
      };
      if (large) {
        slot = size_completion([body, pad = big_probe(std::make_shared<int>(), alive, nullptr)](
                                   std::error_code e, std::size_t n) mutable { body(e, n); });
      } else {
        slot = size_completion(body);
      }
    };
    arm(3);
    while (slot) slot(std::error_code{}, 0);
    CHECK(runs == 4);
    CHECK(*alive == 0);
  }
}

// Starting an operation allocates nothing for the caller's handler when it
// is what a server's handler usually is: `this` and a shared session.
TEST_CASE("completion.a_bound_asio_handler_allocates_nothing", "[completion]") {
  asio::io_context io;
  auto session = std::make_shared<int>(0);
  std::size_t got = 0;
  const asio::any_io_executor io_ex = io.get_executor();
  asio::post(io, [&] {
    counting_allocations = true;
    allocations = 0;
    auto done = strait::detail::bind_completion<void(std::error_code, std::size_t)>(
        [p = &got, session](std::error_code, std::size_t n) { *p = n; }, io_ex);
    size_completion moved(std::move(done));
    moved(std::error_code{}, 3);  // on the io_context's thread: runs here
    counting_allocations = false;
  });
  io.run();
  CHECK(got == 3);
  CHECK(allocations == 0);
}

// bind_completion keeps the io_context busy until the handler has run, and
// runs it on the handler's own executor.
TEST_CASE("completion.bound_handler_holds_work_until_it_runs", "[completion]") {
  asio::io_context io;
  std::size_t got = 0;
  auto done = strait::detail::bind_completion<void(std::error_code, std::size_t)>(
      [&](std::error_code, std::size_t n) { got = n; }, asio::any_io_executor(io.get_executor()));
  CHECK(io.poll() == 0);
  CHECK_FALSE(io.stopped());  // the pending completion is work
  std::thread other([&] { done(std::error_code{}, 5); });
  other.join();
  CHECK(got == 0);  // not on the completing thread: on the io_context
  io.run();         // returns once the handler has run and the work is gone
  CHECK(got == 5);
}

TEST_CASE("completion.dropping_a_bound_handler_releases_its_work", "[completion]") {
  asio::io_context io;
  bool ran = false;
  {
    auto done = strait::detail::bind_completion<void(std::error_code, std::size_t)>(
        [&](std::error_code, std::size_t) { ran = true; }, io.get_executor());
    io.poll();
    CHECK_FALSE(io.stopped());
  }
  io.run();  // would never return if the dropped handler had kept its work
  CHECK_FALSE(ran);
}

// Whether a handler bound to `as_bound(strand)` runs in the strand when its
// completion is called in the io_context's thread, outside the strand.
template <class AsBound>
bool bound_handler_runs_in_strand(AsBound as_bound) {
  asio::io_context io;
  auto strand = asio::make_strand(io);
  bool in_strand = false;
  auto done = strait::detail::bind_completion<void(std::error_code, std::size_t)>(
      asio::bind_executor(as_bound(strand),
                          [&](std::error_code, std::size_t) {
                            in_strand = strand.running_in_this_thread();
                          }),
      io.get_executor());
  asio::post(io, [&] { done(std::error_code{}, 1); });
  io.run();
  return in_strand;
}

TEST_CASE("completion.bound_handler_runs_on_its_strand", "[completion]") {
  CHECK(bound_handler_runs_in_strand([](const auto& strand) { return strand; }));
}

// A handler whose executor is type-erased (a coroutine's, or one bound to
// an any_io_executor) still runs on it: asio 1.22's
// any_io_executor::target<T>() does not check T, so a strand taken for an
// io_context executor let the handler run directly, outside the strand.
TEST_CASE("completion.handler_bound_to_a_type_erased_strand_runs_on_it", "[completion]") {
  CHECK(bound_handler_runs_in_strand(
      [](const auto& strand) { return asio::any_io_executor(strand); }));
}

// post_to (core/src/posting.hpp): how a backend posts a completion.
TEST_CASE("completion.post_to_an_io_context_runs_later_in_run", "[completion]") {
  asio::io_context io;
  bool ran = false;
  strait::detail::post_to(asio::any_io_executor(io.get_executor()), [&] {
    ran = io.get_executor().running_in_this_thread();
  });
  CHECK_FALSE(ran);  // never inside the call that posts
  io.run();
  CHECK(ran);
}

TEST_CASE("completion.post_to_another_executor_goes_through_it", "[completion]") {
  asio::io_context io;
  auto strand = asio::make_strand(io);
  bool in_strand = false;
  strait::detail::post_to(asio::any_io_executor(strand),
                          [&] { in_strand = strand.running_in_this_thread(); });
  io.run();
  CHECK(in_strand);
}
