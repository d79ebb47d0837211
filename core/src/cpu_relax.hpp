// The pause hint of a spin loop: tells the core this thread is only waiting,
// which frees cycles for its SMT sibling and saves power. x86 `pause`, ARM
// `yield`; MSVC has intrinsics for both (ARM64 Windows: __yield()).
#pragma once

#if defined(_MSC_VER)
#include <intrin.h>
#elif defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace strait::detail {

inline void cpu_relax() noexcept {
#if defined(_M_X64) || defined(_M_IX86) || defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(_M_ARM64)
  __yield();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

}  // namespace strait::detail
