// What the spawn tests' child does differently per platform
// (child_platform_<platform>.cpp).
#pragma once

#include <cstdint>
#include <string>

namespace strait::test {

// The descriptors (POSIX: those above the standard streams) or inheritable
// handles (Windows) this process holds, as the spawn tests compare them.
std::string inherited_descriptors();

// What inherited_descriptors() gives in a child started by strait::spawn
// with a channel: the standard streams and the channel's end, nothing else.
std::string expected_inherited_descriptors();

// Sets STRAIT_PARENT_CHANNEL to `value`, or, for "file" and "unconnected",
// to the number of an open file or of an unconnected socket of this
// process: handles that are not a parent's channel.
void set_parent_channel_variable(const std::string& value);

std::uint64_t own_process_id();

}  // namespace strait::test
