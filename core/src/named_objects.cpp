// shared_memory, named_mutex, named_semaphore, named_event: argument checks,
// timeouts and the throwing overloads, the same on every platform. The
// objects themselves are platform/<os>/<class>.cpp.
#include "named_objects.hpp"

#include <limits>
#include <utility>

#include <fmt/format.h>

namespace strait {
namespace {

using detail::open_mode;

constexpr std::uint32_t max_semaphore_count = 0x7fffffff;  // a Windows LONG

// Checked before any system call (N1).
std::error_code check_name(std::string_view name) {
  return is_valid_name(name) ? std::error_code{} : make_error_code(errc::invalid_name);
}

[[noreturn]] void throw_error(const std::error_code& ec, std::string_view what,
                              std::string_view name) {
  const auto note = detail::take_failure_note();  // which path, whose (issue 12.9)
  if (note.empty()) throw std::system_error(ec, fmt::format("{} '{}'", what, name));
  throw std::system_error(ec, fmt::format("{} '{}': {}", what, name, note));
}

template <class Impl, class Open, class... Args>
std::unique_ptr<Impl> open_checked(std::string_view name, std::error_code& ec, Open open,
                                   Args&&... args) {
  ec = check_name(name);
  if (ec) return nullptr;
  detail::take_failure_note();  // a note from an earlier call is not this one's
  auto p = open(std::string(name), std::forward<Args>(args)..., ec);
  if (ec) p.reset();
  return p;
}

// A deadline for "try" (now: poll once) or for a timeout on the steady clock.
detail::deadline deadline_for(duration timeout) { return detail::deadline_after(timeout); }

std::error_code not_open() { return make_error_code(errc::invalid_argument); }

std::error_code check_semaphore(const semaphore_options& o) {
  if (o.maximum_count < 1 || o.maximum_count > max_semaphore_count ||
      o.initial_count > o.maximum_count)
    return make_error_code(errc::invalid_argument);
  return {};
}

}  // namespace

// ---- shared_memory --------------------------------------------------------

shared_memory::shared_memory() noexcept = default;
shared_memory::shared_memory(std::unique_ptr<impl> p) noexcept : impl_(std::move(p)) {}
shared_memory::shared_memory(shared_memory&&) noexcept = default;
shared_memory& shared_memory::operator=(shared_memory&&) noexcept = default;
shared_memory::~shared_memory() = default;

namespace {
shared_memory::impl* open_region(open_mode mode, std::string_view name, std::size_t size,
                                 const object_options& options, std::error_code& ec) {
  if (mode != open_mode::open && size == 0) {
    ec = check_name(name);
    if (!ec) ec = make_error_code(errc::invalid_argument);
    return nullptr;
  }
  return open_checked<shared_memory::impl>(
             name, ec,
             [mode](const std::string& n, std::size_t s, const object_options& o,
                    std::error_code& e) { return detail::open_shared_memory(mode, n, s, o, e); },
             size, options)
      .release();
}
}  // namespace

shared_memory shared_memory::create(std::string_view name, std::size_t size,
                                    const object_options& options, std::error_code& ec) {
  return shared_memory(
      std::unique_ptr<impl>(open_region(open_mode::create, name, size, options, ec)));
}
shared_memory shared_memory::open(std::string_view name, const object_options& options,
                                  std::error_code& ec) {
  return shared_memory(std::unique_ptr<impl>(open_region(open_mode::open, name, 0, options, ec)));
}
shared_memory shared_memory::create_or_open(std::string_view name, std::size_t size,
                                            const object_options& options,
                                            std::error_code& ec) {
  return shared_memory(
      std::unique_ptr<impl>(open_region(open_mode::create_or_open, name, size, options, ec)));
}
shared_memory shared_memory::create(std::string_view name, std::size_t size,
                                    const object_options& options) {
  std::error_code ec;
  auto r = create(name, size, options, ec);
  if (ec) throw_error(ec, "cannot create shared memory", name);
  return r;
}
shared_memory shared_memory::open(std::string_view name, const object_options& options) {
  std::error_code ec;
  auto r = open(name, options, ec);
  if (ec) throw_error(ec, "cannot open shared memory", name);
  return r;
}
shared_memory shared_memory::create_or_open(std::string_view name, std::size_t size,
                                            const object_options& options) {
  std::error_code ec;
  auto r = create_or_open(name, size, options, ec);
  if (ec) throw_error(ec, "cannot create or open shared memory", name);
  return r;
}

bool shared_memory::is_open() const noexcept { return impl_ != nullptr; }
std::byte* shared_memory::data() const noexcept { return impl_ ? impl_->data : nullptr; }
std::size_t shared_memory::size() const noexcept { return impl_ ? impl_->size : 0; }
const std::string& shared_memory::name() const noexcept {
  static const std::string none;
  return impl_ ? impl_->name : none;
}
bool shared_memory::created() const noexcept { return impl_ && impl_->created; }
void shared_memory::close() noexcept { impl_.reset(); }

// ---- named_mutex ----------------------------------------------------------

named_mutex::named_mutex() noexcept = default;
named_mutex::named_mutex(std::unique_ptr<impl> p) noexcept : impl_(std::move(p)) {}
named_mutex::named_mutex(named_mutex&&) noexcept = default;
named_mutex& named_mutex::operator=(named_mutex&&) noexcept = default;
named_mutex::~named_mutex() = default;

named_mutex named_mutex::create(std::string_view name, const object_options& options,
                                std::error_code& ec) {
  return named_mutex(open_checked<impl>(name, ec, [](auto&&... a) {
    return detail::open_named_mutex(open_mode::create, a...);
  }, options));
}
named_mutex named_mutex::open(std::string_view name, const object_options& options,
                              std::error_code& ec) {
  return named_mutex(open_checked<impl>(name, ec, [](auto&&... a) {
    return detail::open_named_mutex(open_mode::open, a...);
  }, options));
}
named_mutex named_mutex::create_or_open(std::string_view name, const object_options& options,
                                        std::error_code& ec) {
  return named_mutex(open_checked<impl>(name, ec, [](auto&&... a) {
    return detail::open_named_mutex(open_mode::create_or_open, a...);
  }, options));
}
named_mutex named_mutex::create(std::string_view name, const object_options& options) {
  std::error_code ec;
  auto m = create(name, options, ec);
  if (ec) throw_error(ec, "cannot create named mutex", name);
  return m;
}
named_mutex named_mutex::open(std::string_view name, const object_options& options) {
  std::error_code ec;
  auto m = open(name, options, ec);
  if (ec) throw_error(ec, "cannot open named mutex", name);
  return m;
}
named_mutex named_mutex::create_or_open(std::string_view name, const object_options& options) {
  std::error_code ec;
  auto m = create_or_open(name, options, ec);
  if (ec) throw_error(ec, "cannot create or open named mutex", name);
  return m;
}

void named_mutex::lock(std::error_code& ec) {
  ec = impl_ ? impl_->lock(detail::no_deadline) : not_open();
}
bool named_mutex::try_lock(std::error_code& ec) {
  if (!impl_) {
    ec = not_open();
    return false;
  }
  ec = impl_->lock(deadline_for(duration::zero()));
  if (ec == errc::timed_out) {
    ec = {};  // busy is an answer, not an error
    return false;
  }
  return !ec || ec == errc::abandoned;
}
bool named_mutex::try_lock_for(duration timeout, std::error_code& ec) {
  ec = impl_ ? impl_->lock(deadline_for(timeout)) : not_open();
  return !ec || ec == errc::abandoned;
}
void named_mutex::unlock(std::error_code& ec) { ec = impl_ ? impl_->unlock() : not_open(); }

void named_mutex::lock() {
  std::error_code ec;
  lock(ec);
  if (ec) throw_error(ec, "cannot lock named mutex", name());
}
bool named_mutex::try_lock() {
  std::error_code ec;
  const bool locked = try_lock(ec);
  if (ec) throw_error(ec, "cannot lock named mutex", name());
  return locked;
}
bool named_mutex::try_lock_for(duration timeout) {
  std::error_code ec;
  const bool locked = try_lock_for(timeout, ec);
  if (ec && ec != errc::timed_out) throw_error(ec, "cannot lock named mutex", name());
  return locked;
}
void named_mutex::unlock() {
  std::error_code ec;
  unlock(ec);
  if (ec) throw_error(ec, "cannot unlock named mutex", name());
}

bool named_mutex::is_open() const noexcept { return impl_ != nullptr; }
bool named_mutex::created() const noexcept { return impl_ && impl_->created; }
const std::string& named_mutex::name() const noexcept {
  static const std::string none;
  return impl_ ? impl_->name : none;
}
void named_mutex::close() noexcept { impl_.reset(); }

// ---- named_semaphore ------------------------------------------------------

named_semaphore::named_semaphore() noexcept = default;
named_semaphore::named_semaphore(std::unique_ptr<impl> p) noexcept : impl_(std::move(p)) {}
named_semaphore::named_semaphore(named_semaphore&&) noexcept = default;
named_semaphore& named_semaphore::operator=(named_semaphore&&) noexcept = default;
named_semaphore::~named_semaphore() = default;

namespace {
std::unique_ptr<named_semaphore::impl> open_semaphore(open_mode mode, std::string_view name,
                                                      const semaphore_options& options,
                                                      std::error_code& ec) {
  if (mode != open_mode::open) {
    ec = check_name(name);
    if (!ec) ec = check_semaphore(options);
    if (ec) return nullptr;
  }
  return open_checked<named_semaphore::impl>(name, ec, [mode](auto&&... a) {
    return detail::open_named_semaphore(mode, a...);
  }, options);
}
semaphore_options scope_only(const object_options& o) {
  semaphore_options s;
  s.scope = o.scope;
  return s;
}
}  // namespace

named_semaphore named_semaphore::create(std::string_view name,
                                        const semaphore_options& options,
                                        std::error_code& ec) {
  return named_semaphore(open_semaphore(open_mode::create, name, options, ec));
}
named_semaphore named_semaphore::open(std::string_view name, const object_options& options,
                                      std::error_code& ec) {
  return named_semaphore(open_semaphore(open_mode::open, name, scope_only(options), ec));
}
named_semaphore named_semaphore::create_or_open(std::string_view name,
                                                const semaphore_options& options,
                                                std::error_code& ec) {
  return named_semaphore(open_semaphore(open_mode::create_or_open, name, options, ec));
}
named_semaphore named_semaphore::create(std::string_view name,
                                        const semaphore_options& options) {
  std::error_code ec;
  auto s = create(name, options, ec);
  if (ec) throw_error(ec, "cannot create named semaphore", name);
  return s;
}
named_semaphore named_semaphore::open(std::string_view name, const object_options& options) {
  std::error_code ec;
  auto s = open(name, options, ec);
  if (ec) throw_error(ec, "cannot open named semaphore", name);
  return s;
}
named_semaphore named_semaphore::create_or_open(std::string_view name,
                                                const semaphore_options& options) {
  std::error_code ec;
  auto s = create_or_open(name, options, ec);
  if (ec) throw_error(ec, "cannot create or open named semaphore", name);
  return s;
}

void named_semaphore::acquire(std::error_code& ec) {
  ec = impl_ ? impl_->acquire(detail::no_deadline) : not_open();
}
bool named_semaphore::try_acquire(std::error_code& ec) {
  if (!impl_) {
    ec = not_open();
    return false;
  }
  ec = impl_->acquire(deadline_for(duration::zero()));
  if (ec == errc::timed_out) {
    ec = {};
    return false;
  }
  return !ec;
}
bool named_semaphore::try_acquire_for(duration timeout, std::error_code& ec) {
  ec = impl_ ? impl_->acquire(deadline_for(timeout)) : not_open();
  return !ec;
}
std::uint32_t named_semaphore::release(std::uint32_t count, std::error_code& ec) {
  std::uint32_t previous = 0;
  if (!impl_)
    ec = not_open();
  else if (count < 1 || count > max_semaphore_count)
    ec = make_error_code(errc::invalid_argument);
  else
    ec = impl_->release(count, previous);
  return previous;
}

void named_semaphore::acquire() {
  std::error_code ec;
  acquire(ec);
  if (ec) throw_error(ec, "cannot acquire named semaphore", name());
}
bool named_semaphore::try_acquire() {
  std::error_code ec;
  const bool taken = try_acquire(ec);
  if (ec) throw_error(ec, "cannot acquire named semaphore", name());
  return taken;
}
bool named_semaphore::try_acquire_for(duration timeout) {
  std::error_code ec;
  const bool taken = try_acquire_for(timeout, ec);
  if (ec && ec != errc::timed_out) throw_error(ec, "cannot acquire named semaphore", name());
  return taken;
}
std::uint32_t named_semaphore::release(std::uint32_t count) {
  std::error_code ec;
  const auto previous = release(count, ec);
  if (ec) throw_error(ec, "cannot release named semaphore", name());
  return previous;
}

void named_semaphore::start_acquire(const asio::any_io_executor& ex,
                                    detail::wait_completion done) {
  if (!impl_) return detail::async_waits::post_error(std::move(done), not_open(), ex);
  impl_->async_acquire(std::move(done), ex);
}
void named_semaphore::cancel() noexcept {
  if (impl_) impl_->cancel();
}

bool named_semaphore::is_open() const noexcept { return impl_ != nullptr; }
bool named_semaphore::created() const noexcept { return impl_ && impl_->created; }
const std::string& named_semaphore::name() const noexcept {
  static const std::string none;
  return impl_ ? impl_->name : none;
}
void named_semaphore::close() noexcept { impl_.reset(); }

// ---- named_event ----------------------------------------------------------

named_event::named_event() noexcept = default;
named_event::named_event(std::unique_ptr<impl> p) noexcept : impl_(std::move(p)) {}
named_event::named_event(named_event&&) noexcept = default;
named_event& named_event::operator=(named_event&&) noexcept = default;
named_event::~named_event() = default;

namespace {
std::unique_ptr<named_event::impl> open_event(open_mode mode, std::string_view name,
                                              const event_options& options,
                                              std::error_code& ec) {
  return open_checked<named_event::impl>(name, ec, [mode](auto&&... a) {
    return detail::open_named_event(mode, a...);
  }, options);
}
event_options scope_only_event(const object_options& o) {
  event_options e;
  e.scope = o.scope;
  return e;
}
}  // namespace

named_event named_event::create(std::string_view name, const event_options& options,
                                std::error_code& ec) {
  return named_event(open_event(open_mode::create, name, options, ec));
}
named_event named_event::open(std::string_view name, const object_options& options,
                              std::error_code& ec) {
  return named_event(open_event(open_mode::open, name, scope_only_event(options), ec));
}
named_event named_event::create_or_open(std::string_view name, const event_options& options,
                                        std::error_code& ec) {
  return named_event(open_event(open_mode::create_or_open, name, options, ec));
}
named_event named_event::create(std::string_view name, const event_options& options) {
  std::error_code ec;
  auto e = create(name, options, ec);
  if (ec) throw_error(ec, "cannot create named event", name);
  return e;
}
named_event named_event::open(std::string_view name, const object_options& options) {
  std::error_code ec;
  auto e = open(name, options, ec);
  if (ec) throw_error(ec, "cannot open named event", name);
  return e;
}
named_event named_event::create_or_open(std::string_view name, const event_options& options) {
  std::error_code ec;
  auto e = create_or_open(name, options, ec);
  if (ec) throw_error(ec, "cannot create or open named event", name);
  return e;
}

void named_event::set(std::error_code& ec) { ec = impl_ ? impl_->set() : not_open(); }
void named_event::reset(std::error_code& ec) { ec = impl_ ? impl_->reset() : not_open(); }
void named_event::wait(std::error_code& ec) {
  ec = impl_ ? impl_->wait(detail::no_deadline) : not_open();
}
bool named_event::wait_for(duration timeout, std::error_code& ec) {
  ec = impl_ ? impl_->wait(deadline_for(timeout)) : not_open();
  return !ec;
}
void named_event::set() {
  std::error_code ec;
  set(ec);
  if (ec) throw_error(ec, "cannot set named event", name());
}
void named_event::reset() {
  std::error_code ec;
  reset(ec);
  if (ec) throw_error(ec, "cannot reset named event", name());
}
void named_event::wait() {
  std::error_code ec;
  wait(ec);
  if (ec) throw_error(ec, "cannot wait for named event", name());
}
bool named_event::wait_for(duration timeout) {
  std::error_code ec;
  const bool signalled = wait_for(timeout, ec);
  if (ec && ec != errc::timed_out) throw_error(ec, "cannot wait for named event", name());
  return signalled;
}

void named_event::start_wait(const asio::any_io_executor& ex, detail::wait_completion done) {
  if (!impl_) return detail::async_waits::post_error(std::move(done), not_open(), ex);
  impl_->async_wait(std::move(done), ex);
}
void named_event::cancel() noexcept {
  if (impl_) impl_->cancel();
}

bool named_event::is_open() const noexcept { return impl_ != nullptr; }
bool named_event::created() const noexcept { return impl_ && impl_->created; }
const std::string& named_event::name() const noexcept {
  static const std::string none;
  return impl_ ? impl_->name : none;
}
void named_event::close() noexcept { impl_.reset(); }

}  // namespace strait
