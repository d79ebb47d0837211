// asio's error codes compared by what they are, not by which copy of asio
// made them. asio is compiled into strait and into the program; on Windows
// each module has its own category objects, and the operations of a shared
// strait.dll complete on the program's io_context, whose copy of asio makes
// the code (Linux shares one copy: asio's symbols keep default visibility).
#pragma once

#include <cstring>
#include <system_error>

namespace strait::detail {

inline bool same_category(const std::error_category& a, const std::error_category& b) noexcept {
  return a == b || std::strcmp(a.name(), b.name()) == 0;
}

// `ec == expected` for an asio::error enumerator, from any module's asio.
template <class AsioError>
bool is_asio_error(const std::error_code& ec, AsioError expected) noexcept {
  const std::error_code e = make_error_code(expected);  // asio::error's, found by ADL
  return ec.value() == e.value() && same_category(ec.category(), e.category());
}

}  // namespace strait::detail
