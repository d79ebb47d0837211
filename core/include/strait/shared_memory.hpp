// shared_memory: a named region of memory mapped into every process that
// opens it.
//
//   auto region = strait::shared_memory::create("orders", 4096);   // process A
//   auto view   = strait::shared_memory::open("orders");           // process B
//   std::memcpy(view.data(), "hi", 2);                             // A sees it (S1)
//
// Lifetime is the Windows one on every platform (S2): the region lives while
// any process has it open and is gone once the last handle closes, whether
// that process closed it or crashed. Bytes start zeroed. The region holds
// exactly size() bytes for the caller; data() is aligned to 64 bytes.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include <strait/export.hpp>
#include <strait/named_object.hpp>

namespace strait {

class shared_memory {
 public:
  STRAIT_API shared_memory() noexcept;  // not open: data() is nullptr, size() 0
  STRAIT_API shared_memory(shared_memory&&) noexcept;
  STRAIT_API shared_memory& operator=(shared_memory&&) noexcept;
  STRAIT_API ~shared_memory();  // closes this handle (S2: the last close removes the region)

  // A new region of `size` bytes (at least 1). An existing name fails with
  // already_exists (S1); a name left behind by a crashed process is reclaimed.
  STRAIT_API static shared_memory create(std::string_view name, std::size_t size,
                                         const object_options& options = {});
  STRAIT_API static shared_memory create(std::string_view name, std::size_t size,
                                         const object_options& options, std::error_code& ec);

  // The existing region `name`, at the size its creator gave: not_found when
  // no process has it open (S1).
  STRAIT_API static shared_memory open(std::string_view name, const object_options& options = {});
  STRAIT_API static shared_memory open(std::string_view name, const object_options& options,
                                       std::error_code& ec);

  // Opens `name` if it exists, else creates it with `size` bytes; created()
  // says which. An existing region smaller than `size` fails with
  // invalid_argument; a larger one is opened at its own size.
  STRAIT_API static shared_memory create_or_open(std::string_view name, std::size_t size,
                                                 const object_options& options = {});
  STRAIT_API static shared_memory create_or_open(std::string_view name, std::size_t size,
                                                 const object_options& options,
                                                 std::error_code& ec);

  STRAIT_API bool is_open() const noexcept;
  STRAIT_API std::byte* data() const noexcept;
  STRAIT_API std::size_t size() const noexcept;
  STRAIT_API const std::string& name() const noexcept;
  STRAIT_API bool created() const noexcept;  // this handle created the region

  // Unmaps and closes this handle now; a no-op when not open.
  STRAIT_API void close() noexcept;

  struct impl;  // platform/<os>/shared_memory.cpp

 private:
  explicit shared_memory(std::unique_ptr<impl> p) noexcept;
  std::unique_ptr<impl> impl_;
};

}  // namespace strait
