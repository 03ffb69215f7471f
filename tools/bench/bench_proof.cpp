// Proof tree benchmark (issue #6): proof root speed over N MiB of random bytes (default 256, or
// argv[1]) fed in 1 MiB pieces, against raw BLAKE2b-256 (Botan) over the same bytes; proof size
// and verify time per challenge for that file; one-pass proof generation time. Prints JSON.
#include <botan/hash.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "actors/prover/proof_tree.hpp"

using namespace mantle::proof;
using clk = std::chrono::steady_clock;

static double since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }

int main(int argc, char** argv) {
  uint64_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 256;
  if (mib == 0) {
    std::fprintf(stderr, "usage: bench_proof [MiB]\n");
    return 2;
  }
  const uint64_t size = mib << 20;
  std::string file(size, '\0');
  std::mt19937_64 rng(1);
  for (uint64_t i = 0; i + 8 <= size; i += 8) {
    uint64_t v = rng();
    std::memcpy(&file[i], &v, 8);
  }
  constexpr size_t piece = 1 << 20;

  auto raw = Botan::HashFunction::create_or_throw("BLAKE2b(256)");
  auto t0 = clk::now();
  for (uint64_t off = 0; off < size; off += piece)
    raw->update(reinterpret_cast<const uint8_t*>(file.data() + off), piece);
  auto raw_digest = raw->final();
  double raw_s = since(t0);

  t0 = clk::now();
  tree_builder b(size);
  for (uint64_t off = 0; off < size; off += piece)
    b.update(std::string_view(file).substr(off, piece));
  auto sum = b.finish();
  double tree_s = since(t0);
  if (!sum || raw_digest.empty())
    return 1;

  // Challenges spread over the file; one pass answers them all.
  const size_t challenges = 460;
  std::vector<uint64_t> idx;
  for (size_t i = 0; i < challenges; ++i)
    idx.push_back(rng() % sum->leaf_count);
  t0 = clk::now();
  auto proofs = make_proofs(sum->root, size, idx,
                            [&](uint64_t off, size_t n, std::string& out) -> mantle::status {
                              out.assign(file, off, n);
                              return {};
                            });
  double prove_s = since(t0);
  if (!proofs)
    return 1;

  size_t bytes = 0, ok = 0;
  std::vector<std::string> encoded;
  for (const auto& p : *proofs) {
    encoded.push_back(encode(p));
    bytes += encoded.back().size();
  }
  // Verify as a validator does: decode the transaction bytes, then check.
  const int rounds = 20;
  t0 = clk::now();
  for (int r = 0; r < rounds; ++r)
    for (const auto& e : encoded) {
      auto p = decode_segment_proof(e);
      ok += p && verify(sum->root, size, *p) == verify_status::ok;
    }
  double verify_s = since(t0) / (rounds * encoded.size());
  if (ok != rounds * encoded.size())
    return 1;

  std::printf("{\"bytes\":%llu,\"segment_size\":%llu,\"leaves\":%llu,"
              "\"raw_blake2b_gbps\":%.3f,\"proof_root_gbps\":%.3f,\"root_vs_raw_time_ratio\":%.3f,"
              "\"challenges\":%zu,\"one_pass_proofs_seconds\":%.3f,"
              "\"proof_bytes_avg\":%.1f,\"verify_us_per_challenge\":%.2f,"
              "\"verify_ms_per_slot_100_nodes_x_460\":%.1f}\n",
              static_cast<unsigned long long>(size), static_cast<unsigned long long>(segment_size),
              static_cast<unsigned long long>(sum->leaf_count), size / raw_s / 1e9, size / tree_s / 1e9,
              tree_s / raw_s, challenges, prove_s, static_cast<double>(bytes) / encoded.size(), verify_s * 1e6,
              verify_s * 1e3 * 100 * 460);
  return 0;
}
