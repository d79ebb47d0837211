// strait_shm_peer — the other process of a tests/shm case.
//
//   strait_shm_peer ROLE NAME [ARGS...]
//
// Roles that check something exit 0 when all was as expected and 1 (after
// saying why on stderr) when not; roles that try one call exit with the
// strait::errc it gave (0 for success). Every wait is bounded so an orphaned
// peer ends on its own.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>
#include <strait/strait.hpp>

#include "pattern.hpp"
#include "wake_traffic.hpp"

namespace {

using namespace std::chrono_literals;

constexpr auto wait_bound = 30s;        // longer than the test's own bounds
constexpr auto wait_to_be_killed = 60s;
constexpr int failed = 1;
constexpr int not_killed = 3;

int code_of(const std::error_code& ec) { return static_cast<int>(strait::to_errc(ec)); }

int fail(const std::string& why) {
  std::fprintf(stderr, "strait_shm_peer: %s\n", why.c_str());
  return failed;
}

using args_t = std::vector<std::string>;

// check-region NAME SIZE SEED: the region holds pattern(SEED) and SIZE bytes;
// then write pattern(SEED + 1) for the test to check.
int check_region(const args_t& a) {
  auto region = strait::shared_memory::open(a[0]);
  const auto size = std::stoull(a[1]);
  const auto seed = std::stoull(a[2]);
  if (region.size() != size) return fail("size " + std::to_string(region.size()));
  if (region.created()) return fail("open says it created the region");
  if (const auto bad = strait::test::check_pattern(region.data(), region.size(), seed))
    return fail("byte " + std::to_string(*bad) + " differs");
  strait::test::fill_pattern(region.data(), region.size(), seed + 1);
  return 0;
}

// create-region NAME SIZE: exits with the errc of create.
int create_region(const args_t& a) {
  std::error_code ec;
  auto region = strait::shared_memory::create(a[0], std::stoull(a[1]), {}, ec);
  return code_of(ec);
}

// create-or-open NAME SIZE: 10 when it created, 11 when it opened, else the errc.
int create_or_open(const args_t& a) {
  std::error_code ec;
  auto region = strait::shared_memory::create_or_open(a[0], std::stoull(a[1]), {}, ec);
  if (ec) return code_of(ec);
  return region.created() ? 10 : 11;
}

// open-region NAME: exits with the errc of open.
int open_region(const args_t& a) {
  std::error_code ec;
  auto region = strait::shared_memory::open(a[0], {}, ec);
  return code_of(ec);
}

// hold-region NAME SEED READY DONE: opens the region, checks it, sets READY,
// waits for DONE, closes.
int hold_region(const args_t& a) {
  auto region = strait::shared_memory::open(a[0]);
  if (const auto bad = strait::test::check_pattern(region.data(), region.size(),
                                                   std::stoull(a[1])))
    return fail("byte " + std::to_string(*bad) + " differs");
  auto ready = strait::named_event::open(a[2]);
  auto done = strait::named_event::open(a[3]);
  ready.set();
  if (!done.wait_for(wait_bound)) return fail("DONE never came");
  return 0;
}

// create-and-hang NAME SIZE SEED READY: creates the region, fills it, sets
// READY and waits to be killed.
int create_and_hang(const args_t& a) {
  auto region = strait::shared_memory::create(a[0], std::stoull(a[1]));
  strait::test::fill_pattern(region.data(), region.size(), std::stoull(a[2]));
  strait::named_event::open(a[3]).set();
  std::this_thread::sleep_for(wait_to_be_killed);
  return not_killed;
}

// lock-and-hang MUTEX READY: locks the mutex, sets READY, waits to be killed.
int lock_and_hang(const args_t& a) {
  auto mutex = strait::named_mutex::open(a[0]);
  mutex.lock();
  strait::named_event::open(a[1]).set();
  std::this_thread::sleep_for(wait_to_be_killed);
  return not_killed;
}

// lock-abandoned MUTEX: exits 0 when a bounded lock gives abandoned with the
// lock (then unlocks), 1 otherwise.
int lock_abandoned(const args_t& a) {
  auto mutex = strait::named_mutex::open(a[0]);
  std::error_code ec;
  if (!mutex.try_lock_for(wait_bound, ec)) return fail("no lock: " + ec.message());
  mutex.unlock();
  return ec == strait::errc::abandoned ? 0 : fail("not abandoned: " + ec.message());
}

// hold-lock MUTEX READY DONE: locks, sets READY, waits for DONE, unlocks.
int hold_lock(const args_t& a) {
  auto mutex = strait::named_mutex::open(a[0]);
  mutex.lock();
  strait::named_event::open(a[1]).set();
  const bool done = strait::named_event::open(a[2]).wait_for(wait_bound);
  mutex.unlock();
  return done ? 0 : fail("DONE never came");
}

// wait-event EVENT READY TIMEOUT_MS: opens the event, releases the semaphore
// READY, waits; exits 0 when the event woke it, else the errc (timed_out).
int wait_event(const args_t& a) {
  auto event = strait::named_event::open(a[0]);
  strait::named_semaphore::open(a[1]).release();
  std::error_code ec;
  event.wait_for(std::chrono::milliseconds(std::stoll(a[2])), ec);
  return code_of(ec);
}

// set-event EVENT DELAY_MS: opens the event, sleeps DELAY_MS, sets it.
int set_event(const args_t& a) {
  auto event = strait::named_event::open(a[0]);
  std::this_thread::sleep_for(std::chrono::milliseconds(std::stoll(a[1])));
  std::error_code ec;
  event.set(ec);
  return code_of(ec);
}

// release-semaphore SEM N: releases one N times; exits with the errc of the
// first failure, 0 when all succeeded.
int release_semaphore(const args_t& a) {
  auto semaphore = strait::named_semaphore::open(a[0]);
  for (auto n = std::stoull(a[1]); n > 0; --n) {
    std::error_code ec;
    semaphore.release(1, ec);
    if (ec) return code_of(ec);
  }
  return 0;
}

// invalid-name NAME: every kind refuses NAME with invalid_name (N1).
int invalid_name(const args_t& a) {
  const auto& name = a[0];
  std::error_code ec;
  std::vector<std::pair<const char*, std::error_code>> results;
  strait::shared_memory::create_or_open(name, 16, {}, ec);
  results.emplace_back("shared_memory", ec);
  strait::named_mutex::create_or_open(name, {}, ec);
  results.emplace_back("named_mutex", ec);
  strait::named_semaphore::create_or_open(name, {}, ec);
  results.emplace_back("named_semaphore", ec);
  strait::named_event::create_or_open(name, {}, ec);
  results.emplace_back("named_event", ec);
  for (const auto& [kind, e] : results)
    if (e != strait::errc::invalid_name)
      return fail(std::string(kind) + ": " + (e ? e.message() : "success"));
  return 0;
}

// The far end of a shm.wake.* case (wake_traffic.hpp): a shm:// client that
// waits by WAIT (spin, adaptive, block).
strait::channel connect_waiting(const std::string& url, const std::string& wait) {
  const auto strategy = strait::test::wake::parse_wait(wait);
  if (!strategy) throw std::invalid_argument("no wait strategy " + wait);
  strait::connect_options options;
  options.timeout = wait_bound;
  options.shm_wait = *strategy;
  options.shm_spin_time = strait::test::wake::spin_time;
  static asio::io_context io;
  auto channel = strait::connect(io, url, options);
  channel.set_send_timeout(wait_bound);
  channel.set_receive_timeout(wait_bound);
  return channel;
}

// stream-sender URL WAIT: sends the wake traffic, pausing now and then, and
// waits for the test's "done"; exits with the errc of a failed call.
int stream_sender(const args_t& a) {
  auto channel = connect_waiting(a[0], a[1]);
  std::error_code ec;
  for (std::size_t i = 0; i < strait::test::wake::message_count; ++i) {
    channel.send(asio::buffer(strait::test::wake::message(i)), ec);
    if (ec) return code_of(ec);
    strait::test::wake::pause_after(i);
  }
  channel.receive(ec);
  return code_of(ec);
}

// stream-receiver URL WAIT: receives and checks the wake traffic, pausing now
// and then (so the test's sender fills the ring), then says "done".
int stream_receiver(const args_t& a) {
  auto channel = connect_waiting(a[0], a[1]);
  std::error_code ec;
  for (std::size_t i = 0; i < strait::test::wake::message_count; ++i) {
    const auto m = channel.receive(ec);
    if (ec) return code_of(ec);
    if (!strait::test::wake::is_message(m, i)) return fail("message " + std::to_string(i));
    strait::test::wake::pause_after(i);
  }
  channel.send(strait::buffer("done"), ec);
  return code_of(ec);
}

}  // namespace

int main(int argc, char** argv) {
  const std::map<std::string, std::pair<std::size_t, std::function<int(const args_t&)>>> roles{
      {"check-region", {3, check_region}},   {"create-region", {2, create_region}},
      {"create-or-open", {2, create_or_open}}, {"open-region", {1, open_region}},
      {"hold-region", {4, hold_region}},     {"create-and-hang", {4, create_and_hang}},
      {"lock-and-hang", {2, lock_and_hang}}, {"hold-lock", {3, hold_lock}},
      {"wait-event", {3, wait_event}},       {"release-semaphore", {2, release_semaphore}},
      {"invalid-name", {1, invalid_name}},   {"set-event", {2, set_event}},
      {"lock-abandoned", {1, lock_abandoned}}, {"stream-sender", {2, stream_sender}},
      {"stream-receiver", {2, stream_receiver}},
  };
  if (argc < 2) return fail("usage: strait_shm_peer ROLE ARGS...");
  const auto role = roles.find(argv[1]);
  const args_t args(argv + 2, argv + argc);
  if (role == roles.end() || args.size() != role->second.first)
    return fail(std::string("bad role or arguments: ") + argv[1]);
  try {
    return role->second.second(args);
  } catch (const std::exception& e) {
    return fail(std::string(argv[1]) + ": " + e.what());
  }
}
