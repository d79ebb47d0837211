// What strait-bench measures: a "mechanism" is one way of moving messages
// between two processes (a strait transport, a raw OS primitive, a peer
// library). Each gives a `link`, one connected end; the measuring code in
// protocol.cpp is written once against `link` and runs over all of them.
//
// Raw and peer mechanisms register themselves from their own file
// (raw_posix_socket.cpp, peer_zmq.cpp, ...), so the build's choice of files is
// the list; strait transports come from strait::supported_schemes() at run
// time (strait_link.cpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace strait::bench {

// How long one end waits for the other before it gives up: a lost message or
// a stuck peer ends the measurement with an error instead of a hang.
inline constexpr std::chrono::seconds link_timeout{30};

// A failure of the mechanism under test (lost, short or corrupted message,
// timeout). Reported in the row, never a crash.
struct bench_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One connected end. Both ends always know the size of the next message, so
// stream mechanisms need no framing of their own.
class link {
 public:
  virtual ~link() = default;
  // Sends one message of `size` bytes.
  virtual void send(const std::byte* data, std::size_t size) = 0;
  // Receives one message of exactly `size` bytes; any other size, a timeout or
  // a closed peer throws bench_error.
  virtual void receive(std::byte* data, std::size_t size) = 0;
  // Largest message this mechanism carries; larger sizes are skipped.
  virtual std::size_t max_message_size() const { return std::numeric_limits<std::size_t>::max(); }
};

enum class family { raw, strait, peer };

// Which measurements a baseline applies to.
enum class kinds { both, latency_only };

struct baseline_of {
  std::string key;  // the row it is the floor for: "strait pipe", "zmq ipc"
  kinds applies = kinds::both;
};

struct mechanism {
  std::string name;  // row label and --serve argument: "raw unix stream", "zmq ipc"
  family kind = family::raw;
  // Raw mechanisms: the rows they are the OS floor for (strait schemes on
  // this platform, peer libraries built on the same primitive).
  std::vector<baseline_of> baseline_for;
  // A fresh address for one client/server pair (a path, a port, a name).
  std::function<std::string()> make_address;
  // Server side: listen at `address` and accept one client.
  std::function<std::unique_ptr<link>(const std::string& address)> serve;
  // Client side: connect to `address`, retrying while the server starts.
  std::function<std::unique_ptr<link>(const std::string& address)> connect;
};

// Adds a mechanism to the list (called from each mechanism's file at static
// initialisation); returns true so it can initialise a namespace-scope flag.
bool register_mechanism(mechanism m);
const std::vector<mechanism>& registered_mechanisms();
const mechanism* find_mechanism(const std::string& name);

// Peer libraries this build left out, with the package that provides them
// ("ZeroMQ (libzmq3-dev)"), from the configure step.
std::vector<std::string> missing_peers();

// ---- small platform services (system_<platform>.cpp) ----------------------

// A loopback TCP port that was free a moment ago.
unsigned short free_tcp_port();
// A fresh name for files, sockets and shared objects of this run ("sb-<pid>-<n>").
std::string fresh_name();
// A directory for socket files and FIFOs.
std::string temp_directory();
// Pins the calling process to one CPU; false where the OS cannot.
bool pin_to_cpu(int cpu);
bool stderr_is_terminal();
// The full path of `program` found on PATH, or "" when it is not there.
std::string find_on_path(const std::string& program);
// "CPU model", "OS and kernel" of this machine, as well as the system can say.
std::string cpu_description();
std::string os_description();

// Retries `attempt` every millisecond until it returns true or `link_timeout`
// passes; then throws bench_error("what"). Between attempts it calls the
// check set by watch_server(), which throws when the server process is gone:
// a server that failed to start ends the wait at once.
void retry_until_ready(const std::function<bool()>& attempt, const std::string& what);
void watch_server(std::function<void()> check);

}  // namespace strait::bench
