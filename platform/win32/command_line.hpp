// The strings CreateProcessW takes: the program's path, the command line and
// the environment block, made from strait::spawn's UTF-8 arguments.
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace strait::detail {

// UTF-8 -> UTF-16; invalid UTF-8 or an embedded NUL (which no command line
// or environment can carry) is invalid_argument.
std::wstring widen_utf8(std::string_view text, std::error_code& ec);

// `program` followed by each of `args`, quoted so that CommandLineToArgvW
// and the C runtime's argv parsing give every one back unchanged.
std::wstring quote_command_line(std::wstring_view program, const std::vector<std::wstring>& args);

// The file to run for strait::spawn's `program`: a path (anything with a
// slash, backslash or drive) as it is, relative to the current directory; a
// bare name from the first PATH directory that has it. A name without an
// extension is tried with ".exe" first. None: not_found; only a directory of
// that name: access_denied.
std::wstring find_program(std::wstring_view program, std::error_code& ec);

// An environment block (NAME=VALUE\0...\0) of `entries`, sorted by name as
// Windows keeps it, less any entry named `drop`, plus `extra` when not empty.
std::wstring environment_block(std::vector<std::wstring> entries, std::wstring_view drop,
                               std::wstring_view extra);

// The value of this process's environment variable `name`; "" when unset.
std::wstring environment_variable(const wchar_t* name);

// This process's environment as NAME=VALUE entries.
std::vector<std::wstring> current_environment();

}  // namespace strait::detail
