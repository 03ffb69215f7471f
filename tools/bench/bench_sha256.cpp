// Reference for the add benchmark: raw SHA-256 (Botan, SHA-NI when the CPU has it) over a
// file on one core, in 1 MiB reads. Prints bytes and GB/s as JSON.
// With --blocks MiB it measures instead what the node hashes: 256 KiB blocks spread over a
// buffer of that size (cold in cache, like received or stored blocks), once through Botan
// directly and once through multihash::sha256_raw, which prefetches ahead of the hash.
#include <botan/hash.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "storage/multihash.hpp"

namespace {

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int hash_file(const char* path) {
  std::FILE* f = std::fopen(path, "rb");
  if (!f) {
    std::perror(path);
    return 1;
  }
  auto h = Botan::HashFunction::create_or_throw("SHA-256");
  std::vector<uint8_t> buf(1 << 20);
  uint64_t total = 0;
  auto t0 = std::chrono::steady_clock::now();
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    // Hash per 1 MiB as the importer does per chunk, so the comparison is like for like.
    h->update(buf.data(), n);
    h->final();
    total += n;
  }
  auto secs = since(t0);
  std::fclose(f);
  std::printf("{\"bytes\":%llu,\"seconds\":%.3f,\"gbps\":%.3f}\n", static_cast<unsigned long long>(total), secs,
              total / secs / 1e9);
  return 0;
}

int hash_blocks(size_t mib) {
  constexpr size_t block = 256 * 1024;
  std::string buf(mib << 20, '\0');
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i + 8 <= buf.size(); i += 8) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    std::memcpy(&buf[i], &x, 8);
  }
  auto h = Botan::HashFunction::create_or_throw("SHA-256");
  uint8_t a[32], b[32];
  // Alternating rounds, best of three each: the VM's speed drifts within seconds.
  double botan = 0, mantle = 0;
  for (int round = 0; round < 3; ++round) {
    auto t0 = std::chrono::steady_clock::now();
    for (size_t o = 0; o + block <= buf.size(); o += block) {
      h->update(reinterpret_cast<const uint8_t*>(buf.data() + o), block);
      h->final(a);
    }
    botan = std::max(botan, buf.size() / since(t0) / 1e9);
    t0 = std::chrono::steady_clock::now();
    for (size_t o = 0; o + block <= buf.size(); o += block)
      mantle::multihash::sha256_raw(std::string_view(buf.data() + o, block), b);
    mantle = std::max(mantle, buf.size() / since(t0) / 1e9);
    if (std::memcmp(a, b, 32) != 0) {
      std::fprintf(stderr, "bench_sha256: the two hashes differ\n");
      return 1;
    }
  }
  std::printf("{\"bytes\":%zu,\"block\":%zu,\"botan_gbps\":%.3f,\"mantle_gbps\":%.3f,\"ratio\":%.2f}\n", buf.size(),
              block, botan, mantle, mantle / botan);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--blocks") == 0 && std::atoi(argv[2]) > 0)
    return hash_blocks(static_cast<size_t>(std::atoi(argv[2])));
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench_sha256 FILE | bench_sha256 --blocks MiB\n");
    return 2;
  }
  return hash_file(argv[1]);
}
