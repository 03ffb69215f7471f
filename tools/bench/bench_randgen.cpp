// Writes N pseudo-random bytes to stdout fast enough (several GB/s) that the generator is
// never what a benchmark measures. Incompressible and without repeated chunks, so dedup
// cannot help the store. usage: bench_randgen BYTES [SEED]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_randgen BYTES [SEED]\n");
    return 2;
  }
  uint64_t left = std::strtoull(argv[1], nullptr, 10);
  uint64_t s = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 0x9e3779b97f4a7c15ull;
  std::vector<uint64_t> buf(1 << 17); // 1 MiB
  while (left > 0) {
    for (auto& w : buf) { // xorshift64*
      s ^= s >> 12;
      s ^= s << 25;
      s ^= s >> 27;
      w = s * 0x2545f4914f6cdd1dull;
    }
    size_t n = left < buf.size() * 8 ? left : buf.size() * 8;
    if (std::fwrite(buf.data(), 1, n, stdout) != n)
      return 1;
    left -= n;
  }
  return 0;
}
