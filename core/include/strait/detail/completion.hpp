// A move-only, type-erased completion handler, so that backends behind a
// virtual interface can complete any asio completion token.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/dispatch.hpp>
#include <asio/execution/outstanding_work.hpp>
#include <asio/io_context.hpp>
#include <asio/prefer.hpp>

namespace strait::detail {

template <class Signature>
class completion;

// A handler of up to `inline_words` words (an asio handler bound to its
// executor, as bind_completion makes it) is kept inside the object: starting
// an asynchronous operation allocates nothing for it (issue 13). Larger ones
// go to the heap.
template <class... Args>
class completion<void(Args...)> {
 public:
  static constexpr std::size_t inline_words = 12;

  completion() noexcept = default;

  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, completion>>>
  explicit completion(F f) {
    if constexpr (fits_inline<F>) {
      ::new (static_cast<void*>(storage_)) F(std::move(f));
      ops_ = &inline_model<F>::ops;
    } else {
      ::new (static_cast<void*>(storage_)) F*(new F(std::move(f)));
      ops_ = &heap_model<F>::ops;
    }
  }

  completion(completion&& other) noexcept { take(other); }

  completion& operator=(completion&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }

  completion(const completion&) = delete;
  completion& operator=(const completion&) = delete;

  ~completion() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }

  // Invokes the handler once; the completion is empty afterwards. The handler
  // leaves this object before it runs, so it may store the next completion
  // here (a handler that starts the next operation does).
  void operator()(Args... args) {
    const auto* ops = std::exchange(ops_, nullptr);
    ops->call(storage_, std::move(args)...);
  }

  // Destroys the handler without calling it.
  void reset() noexcept {
    if (const auto* ops = std::exchange(ops_, nullptr)) ops->destroy(storage_);
  }

 private:
  struct operations {
    void (*call)(void* storage, Args... args);  // moves the handler out, destroys, calls
    void (*move)(void* from, void* to) noexcept;  // `from` is left destroyed
    void (*destroy)(void* storage) noexcept;
  };

  template <class F>
  static constexpr bool fits_inline = sizeof(F) <= inline_words * sizeof(void*) &&
                                      alignof(F) <= alignof(std::max_align_t) &&
                                      std::is_nothrow_move_constructible_v<F>;

  // Kept inside storage_.
  template <class F>
  struct inline_model {
    static void call(void* storage, Args... args) {
      F& stored = *static_cast<F*>(storage);
      F f(std::move(stored));
      stored.~F();
      std::move(f)(std::move(args)...);
    }
    static void move(void* from, void* to) noexcept {
      F& f = *static_cast<F*>(from);
      ::new (to) F(std::move(f));
      f.~F();
    }
    static void destroy(void* storage) noexcept { static_cast<F*>(storage)->~F(); }
    static constexpr operations ops{&call, &move, &destroy};
  };

  // storage_ holds a pointer to it.
  template <class F>
  struct heap_model {
    static void call(void* storage, Args... args) {
      struct owner {
        F* f;
        ~owner() { delete f; }
      } own{*static_cast<F**>(storage)};
      std::move(*own.f)(std::move(args)...);
    }
    static void move(void* from, void* to) noexcept { ::new (to) F*(*static_cast<F**>(from)); }
    static void destroy(void* storage) noexcept { delete *static_cast<F**>(storage); }
    static constexpr operations ops{&call, &move, &destroy};
  };

  void take(completion& other) noexcept {
    if ((ops_ = std::exchange(other.ops_, nullptr))) ops_->move(other.storage_, storage_);
  }

  const operations* ops_ = nullptr;
  alignas(std::max_align_t) unsigned char storage_[inline_words * sizeof(void*)];
};

// The executor of type T inside `ex`, or null. asio 1.22's
// any_io_executor::target<T>() hands out its target as a T whatever its
// type (a strand too), so the type is checked here. Without RTTI there is
// no type to check: always null, and callers take the general path.
template <class T>
const T* executor_target(const asio::any_io_executor& ex) noexcept {
#if defined(ASIO_NO_TYPEID)
  return nullptr;
#else
  return ex.target_type() == typeid(T) ? ex.template target<T>() : nullptr;
#endif
}

// True when `ex` is an io_context's executor (as a channel's usually is)
// and this thread runs that io_context: asio::dispatch would call the
// handler here and now, and calling it directly spares dispatch's executor
// copies and its type-erased function (issue 13).
template <class Executor>
bool runs_handlers_here(const Executor& ex) noexcept {
  if constexpr (std::is_same_v<Executor, asio::any_io_executor>) {
    using tracked_io_executor = decltype(asio::prefer(
        std::declval<asio::io_context::executor_type>(), asio::execution::outstanding_work.tracked));
    const auto* io_ex = executor_target<tracked_io_executor>(ex);
    return io_ex && io_ex->running_in_this_thread();
  } else {
    return false;
  }
}

// Wraps an asio handler so that it runs on its associated executor (falling
// back to `io_ex`) and keeps that executor busy until it has run: one
// executor that tracks outstanding work, so that a bound handler fits inline.
template <class Signature, class Handler, class IoExecutor>
completion<Signature> bind_completion(Handler handler, const IoExecutor& io_ex) {
  auto work = asio::prefer(asio::get_associated_executor(handler, io_ex),
                           asio::execution::outstanding_work.tracked);
  return completion<Signature>(
      [h = std::move(handler), w = std::move(work)](auto&&... args) mutable {
        if (runs_handlers_here(w)) return std::move(h)(std::move(args)...);
        asio::dispatch(std::move(w), [h = std::move(h), ... a = std::move(args)]() mutable {
          std::move(h)(std::move(a)...);
        });
      });
}

}  // namespace strait::detail
