// POSIX has no native mailslots: the interoperability roles do not exist.
#include "native.hpp"

namespace strait::mailslot_test {

constexpr int not_here = 77;

bool running_under_wine() { return false; }
bool has_native_mailslots() { return false; }
int native_read(asio::io_context&, const std::vector<std::string>&) { return not_here; }
int native_write(asio::io_context&, const std::vector<std::string>&) { return not_here; }
int native_write_size(asio::io_context&, const std::vector<std::string>&) { return not_here; }

}  // namespace strait::mailslot_test
