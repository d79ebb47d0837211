// What a hostile shm:// peer tries on the memory it shares with the server:
// changing the size of the object behind a mapping (S6: the server must not
// crash). Per platform: region_resize_<platform>.cpp.
#pragma once

#include <cstddef>
#include <string>

namespace strait::test {

enum class resize_outcome {
  resized,    // the size changed
  refused,    // the system refused the call that changes it (what S6 needs)
  not_tried,  // no such call here, or the object was not found: nothing shown
};

// Sets the size of the shared object that `mapping` (an address inside a
// shared mapping of this process) is a view of; `locator` is what the hello
// named it by (Windows opens it by that name). `why` says why it was not
// resized.
resize_outcome resize_shared_object(const void* mapping, const std::string& locator,
                                    std::size_t new_size, std::string& why);

}  // namespace strait::test
