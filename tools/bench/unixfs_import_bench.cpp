// Importer throughput into a sink that only counts (no storage cost), so the number is the
// chunking + hashing + DAG building rate. Usage: unixfs_import_bench [MiB] [threads]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "storage/memory_block_store.hpp"
#include "storage/unixfs_importer.hpp"

using namespace mantle;

int main(int argc, char** argv) {
  size_t mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1024;
  unsigned threads = argc > 2 ? static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10)) : 2;
  // 64 MiB of random input fed repeatedly in 1 MiB writes, like a socket or file reader.
  std::string src(64u << 20, '\0');
  std::mt19937_64 rng(42);
  for (size_t i = 0; i < src.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(&src[i], &v, 8);
  }
  struct run {
    const char* name;
    unixfs::import_options opt;
  };
  unixfs::import_options v0;
  unixfs::import_options v1 = v0;
  v1.cid_version = 1;
  v1.raw_leaves = true;
  auto v1_2025 = *unixfs::import_options::profile("unixfs-v1-2025");
  for (auto r : {run{"v0 dag-pb leaves 256KiB", v0}, run{"v1 raw leaves 256KiB", v1},
                 run{"unixfs-v1-2025 raw 1MiB", v1_2025}}) {
    r.opt.hash_threads = threads;
    memory_block_store sink(false);
    auto t0 = std::chrono::steady_clock::now();
    unixfs::file_importer f(sink, r.opt);
    size_t total = mib << 20;
    for (size_t done = 0; done < total; done += 1u << 20) {
      size_t at = done % src.size();
      if (!f.write(std::string_view(src).substr(at, 1u << 20)))
        return 1;
    }
    auto res = f.finish();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!res.ok()) {
      std::fprintf(stderr, "%s\n", res.err().describe().c_str());
      return 1;
    }
    std::printf("%-26s %6zu MiB  %2u threads  %8.1f MB/s  %s\n", r.name, mib, threads,
                total / s / 1e6, res->root.str().c_str());
  }
  return 0;
}
