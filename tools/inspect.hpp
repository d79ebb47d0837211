// `strait ls` and `strait info`: what runs on this machine, and what one
// endpoint says about itself.
#pragma once

#include <string>

namespace strait::tool {

// Prints the current user's endpoints and named objects
// (strait::list_local_endpoints), as a table or as a JSON array.
int list_endpoints(bool json);

// Connects to `url` and prints its capabilities() and peer().
int show_info(const std::string& url);

}  // namespace strait::tool
