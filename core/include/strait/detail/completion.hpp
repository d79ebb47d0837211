// A move-only, type-erased completion handler, so that backends behind a
// virtual interface can complete any asio completion token.
#pragma once

#include <memory>
#include <utility>

#include <asio/associated_executor.hpp>
#include <asio/dispatch.hpp>
#include <asio/executor_work_guard.hpp>

namespace strait::detail {

template <class Signature>
class completion;

template <class... Args>
class completion<void(Args...)> {
 public:
  completion() = default;

  template <class F>
  explicit completion(F f) : impl_(std::make_unique<model<F>>(std::move(f))) {}

  explicit operator bool() const noexcept { return impl_ != nullptr; }

  // Invokes the handler once; the completion is empty afterwards.
  void operator()(Args... args) {
    auto impl = std::move(impl_);
    impl->call(std::move(args)...);
  }

 private:
  struct concept_ {
    virtual ~concept_() = default;
    virtual void call(Args... args) = 0;
  };
  template <class F>
  struct model final : concept_ {
    explicit model(F f) : fn(std::move(f)) {}
    void call(Args... args) override { std::move(fn)(std::move(args)...); }
    F fn;
  };
  std::unique_ptr<concept_> impl_;
};

// Wraps an asio handler so that it runs on its associated executor (falling
// back to `io_ex`) and keeps that executor busy until it has run.
template <class Signature, class Handler, class IoExecutor>
completion<Signature> bind_completion(Handler handler, const IoExecutor& io_ex) {
  auto work = asio::make_work_guard(asio::get_associated_executor(handler, io_ex));
  return completion<Signature>(
      [h = std::move(handler), w = std::move(work)](auto&&... args) mutable {
        auto ex = w.get_executor();
        asio::dispatch(ex, [h = std::move(h), ... a = std::move(args)]() mutable {
          std::move(h)(std::move(a)...);
        });
        w.reset();
      });
}

}  // namespace strait::detail
