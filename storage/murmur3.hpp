// MurmurHash3 x64_128 (Austin Appleby's public-domain algorithm). UnixFS HAMT shards hash entry
// names with "murmur3-x64-64" (multicodec 0x22): the first 64-bit half (h1) of x64_128, seed 0,
// read as big-endian bytes, so this must match the reference bit for bit.
#pragma once
#include <cstdint>
#include <string_view>
#include <utility>

namespace mantle::murmur3 {

namespace detail {
constexpr uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
constexpr uint64_t fmix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}
inline uint64_t load_le(const unsigned char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}
} // namespace detail

// Returns {h1, h2}.
inline std::pair<uint64_t, uint64_t> x64_128(std::string_view in, uint64_t seed = 0) {
  using namespace detail;
  constexpr uint64_t c1 = 0x87c37b91114253d5ULL;
  constexpr uint64_t c2 = 0x4cf5ad432745937fULL;
  auto p = reinterpret_cast<const unsigned char*>(in.data());
  const size_t len = in.size();
  const size_t blocks = len / 16;
  uint64_t h1 = seed, h2 = seed;
  for (size_t i = 0; i < blocks; ++i) {
    uint64_t k1 = load_le(p + i * 16, 8);
    uint64_t k2 = load_le(p + i * 16 + 8, 8);
    k1 *= c1, k1 = rotl(k1, 31), k1 *= c2, h1 ^= k1;
    h1 = rotl(h1, 27), h1 += h2, h1 = h1 * 5 + 0x52dce729;
    k2 *= c2, k2 = rotl(k2, 33), k2 *= c1, h2 ^= k2;
    h2 = rotl(h2, 31), h2 += h1, h2 = h2 * 5 + 0x38495ab5;
  }
  const unsigned char* tail = p + blocks * 16;
  size_t rest = len & 15;
  if (rest > 8) {
    uint64_t k2 = load_le(tail + 8, rest - 8);
    k2 *= c2, k2 = rotl(k2, 33), k2 *= c1, h2 ^= k2;
  }
  if (rest > 0) {
    uint64_t k1 = load_le(tail, rest < 8 ? rest : 8);
    k1 *= c1, k1 = rotl(k1, 31), k1 *= c2, h1 ^= k1;
  }
  h1 ^= len, h2 ^= len;
  h1 += h2, h2 += h1;
  h1 = fmix(h1), h2 = fmix(h2);
  h1 += h2, h2 += h1;
  return {h1, h2};
}

// The 64-bit value UnixFS HAMTs use; its big-endian bytes are consumed most significant first.
inline uint64_t x64_64(std::string_view in) { return x64_128(in).first; }

} // namespace mantle::murmur3
