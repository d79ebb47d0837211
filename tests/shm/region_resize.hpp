// What a hostile shm:// peer tries on the memory it shares with the server:
// changing the size of the object behind a mapping (S6: the server must not
// crash). Per platform: region_resize_<platform>.cpp.
#pragma once

#include <cstddef>
#include <string>

namespace strait::test {

// Sets the size of the shared object that `mapping` (an address inside a
// shared mapping of this process) is a view of; `locator` is what the hello
// named it by (Windows opens it by that name). True when the size changed;
// false with `why` set when the system refused or the object was not found.
bool resize_shared_object(const void* mapping, const std::string& locator, std::size_t new_size,
                          std::string& why);

}  // namespace strait::test
