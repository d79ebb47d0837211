// Peer library: Boost.Interprocess message_queue, one queue each way (a
// shared-memory queue of fixed-size slots guarded by a process-shared mutex
// and condition variables). Compiled only when libboost-dev was found.
#include <boost/date_time/posix_time/posix_time_types.hpp>
#include <boost/interprocess/ipc/message_queue.hpp>

#include <cstring>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "mechanism.hpp"

namespace strait::bench {
namespace {

namespace bip = boost::interprocess;

// Every slot holds the largest message measured (1 MiB); 16 slots each way.
constexpr std::size_t slot_size = std::size_t{1} << 20;
constexpr std::size_t slots = 16;

boost::posix_time::ptime deadline() {
  return boost::posix_time::microsec_clock::universal_time() +
         boost::posix_time::seconds(link_timeout.count());
}

class boost_mq_link final : public link {
 public:
  // Server: creates both queues; client: opens them, retrying until they exist.
  boost_mq_link(const std::string& name, bool server) : name_(name), server_(server) {
    const auto up = name + "-up", down = name + "-down";
    if (server) {
      bip::message_queue::remove(up.c_str());
      bip::message_queue::remove(down.c_str());
      rx_.emplace(bip::create_only, up.c_str(), slots, slot_size);
      tx_.emplace(bip::create_only, down.c_str(), slots, slot_size);
      return;
    }
    retry_until_ready(
        [&] {
          try {
            tx_.emplace(bip::open_only, up.c_str());
            rx_.emplace(bip::open_only, down.c_str());
            return true;
          } catch (const bip::interprocess_exception&) {
            return false;  // not created yet
          }
        },
        "boost message_queue: open " + name);
  }
  ~boost_mq_link() override {
    if (!server_) return;
    bip::message_queue::remove((name_ + "-up").c_str());
    bip::message_queue::remove((name_ + "-down").c_str());
  }

  void send(const std::byte* p, std::size_t n) override {
    if (!tx_->timed_send(p, n, 0, deadline()))
      throw bench_error("boost message_queue: send timed out");
  }

  void receive(std::byte* p, std::size_t n) override {
    // receive() wants room for a whole slot; a smaller message goes through
    // a slot-sized buffer (a copy of n bytes), a full-size one lands in place.
    std::byte* target = p;
    if (n < slot_size) {
      scratch_.resize(slot_size);
      target = scratch_.data();
    }
    bip::message_queue::size_type got = 0;
    unsigned priority = 0;
    if (!rx_->timed_receive(target, slot_size, got, priority, deadline()))
      throw bench_error("boost message_queue: receive timed out");
    if (got != n)
      throw bench_error(fmt::format("boost message_queue: {} B received, {} B expected", got, n));
    if (target != p) std::memcpy(p, target, n);
  }

  std::size_t max_message_size() const override { return slot_size; }

 private:
  std::string name_;
  bool server_;
  std::optional<bip::message_queue> tx_, rx_;
  std::vector<std::byte> scratch_;
};

[[maybe_unused]] const bool registered = register_mechanism({
    .name = "boost message_queue",
    .kind = family::peer,
    .baseline_for = {},
    .make_address = fresh_name,
    .serve = [](const std::string& name) -> std::unique_ptr<link> {
      return std::make_unique<boost_mq_link>(name, true);
    },
    .connect = [](const std::string& name) -> std::unique_ptr<link> {
      return std::make_unique<boost_mq_link>(name, false);
    },
});

}  // namespace
}  // namespace strait::bench
