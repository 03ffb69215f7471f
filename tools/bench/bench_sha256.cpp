// Reference for the add benchmark: raw SHA-256 (Botan, SHA-NI when the CPU has it) over a
// file on one core, in 1 MiB reads. Prints bytes and GB/s as JSON.
#include <botan/hash.h>

#include <chrono>
#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: bench_sha256 FILE\n");
    return 2;
  }
  std::FILE* f = std::fopen(argv[1], "rb");
  if (!f) {
    std::perror(argv[1]);
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
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fclose(f);
  std::printf("{\"bytes\":%llu,\"seconds\":%.3f,\"gbps\":%.3f}\n",
              static_cast<unsigned long long>(total), secs, total / secs / 1e9);
  return 0;
}
