// resize_shared_object on Windows: a pagefile-backed section (file mapping)
// has the size it was created with; no call changes it, so a peer cannot
// shrink the server's view (S6). Nothing to try.
#include "region_resize.hpp"

namespace strait::test {

bool resize_shared_object(const void*, std::size_t, std::string& why) {
  why = "a section's size is fixed at creation";
  return false;
}

}  // namespace strait::test
