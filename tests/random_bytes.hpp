// Reproducible pseudo-random file contents for tests: the same (n, seed) always gives the same
// bytes, so CIDs and roots computed from them are stable across runs.
#pragma once
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

namespace mantle::test {

inline std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(rng());
  return s;
}

} // namespace mantle::test
