#include <strait/version.hpp>

namespace strait {

const char* version() noexcept { return STRAIT_VERSION_STRING; }

}  // namespace strait
