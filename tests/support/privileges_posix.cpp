#include "privileges.hpp"

namespace strait::test {

bool may_create_global_objects() { return true; }

}  // namespace strait::test
