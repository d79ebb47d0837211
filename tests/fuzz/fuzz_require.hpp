// FUZZ_REQUIRE(condition): an invariant of a fuzz target. A broken one prints
// where and what, and traps, so that libFuzzer keeps the input as a crash.
#pragma once

#include <cstdio>

namespace strait::fuzz {

[[noreturn]] inline void broken(const char* invariant, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, invariant);
  __builtin_trap();
}

}  // namespace strait::fuzz

#define FUZZ_REQUIRE(condition) \
  ((condition) ? void() : ::strait::fuzz::broken(#condition, __FILE__, __LINE__))
