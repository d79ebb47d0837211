// The clients sweep's platform part where no raw floor is written yet
// (macOS: a kqueue echo server): the floors and the server's CPU time are
// "not measured", the strait rows are measured all the same.
#include "clients.hpp"
#include "mechanism.hpp"

namespace strait::bench {

std::vector<raw_echo_floor> raw_echo_floors() { return {}; }

std::uint64_t serve_raw_echo(const std::string&, const std::string&, std::size_t) {
  throw bench_error("no raw echo floor on this platform");
}

double process_cpu_seconds() { return -1; }

}  // namespace strait::bench
