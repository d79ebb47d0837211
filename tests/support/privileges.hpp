// Test support: what the running process is allowed to do, for tests whose
// outcome depends on it (privileges_<platform>.cpp).
#pragma once

namespace strait::test {

// Whether this process may create objects in Windows' Global\ namespace:
// that needs SeCreateGlobalPrivilege (services and elevated administrators
// have it, other users do not). Always true on POSIX, which has no such
// namespace (object_scope::global names the same object as local).
bool may_create_global_objects();

}  // namespace strait::test
