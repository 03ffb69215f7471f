// Proof tree benchmark (issue #6), one run, JSON on stdout:
//   - proof root speed over N MiB of random bytes (argv[1], default 256) fed in 1 MiB pieces,
//     against raw BLAKE2b-256 (Botan) over the same bytes, and the time ratio;
//   - one-pass proof generation for a slot's challenges of that file;
//   - proof size and decode + verify time per challenge for files of 1 MiB, 64 MiB and N MiB
//     (the path grows with log2 of the file; the 1 KiB segment dominates either way);
//   - the verification cost of one slot for `nodes` (argv[2], default 100) × `challenges`
//     (argv[3], default 460) proofs, against the slot length (slot_blocks × block time,
//     argv[4] and argv[5], default 600 × 6 s) and against one block's time when the proofs of a
//     slot are spread evenly over its blocks; plus the proof bytes a slot puts on chain.
// Ratios are printed, never checked: the figures go to README.md.
#include <botan/hash.h>

#include <algorithm>
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

namespace {

double since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }

uint64_t arg_or(int argc, char** argv, int i, uint64_t fallback) {
  return argc > i ? std::strtoull(argv[i], nullptr, 10) : fallback;
}

struct per_challenge {
  uint64_t file_bytes = 0;
  double proof_bytes_avg = 0;
  double path_length_avg = 0;
  double verify_us = 0; // decode + verify, as a validator does it from tx bytes
};

// Proofs for `count` random segments of the first `size` bytes of `file`, then decode + verify
// each `rounds` times.
bool measure(const std::string& file, uint64_t size, size_t count, std::mt19937_64& rng, per_challenge& out,
             double* prove_seconds = nullptr) {
  std::string_view bytes(file.data(), size);
  tree_builder b(size);
  for (uint64_t off = 0; off < size; off += 1 << 20)
    if (!b.update(bytes.substr(off, std::min<uint64_t>(1 << 20, size - off))))
      return false;
  auto sum = b.finish();
  if (!sum)
    return false;
  std::vector<uint64_t> idx;
  for (size_t i = 0; i < count; ++i)
    idx.push_back(rng() % sum->leaf_count);
  auto t0 = clk::now();
  auto proofs = make_proofs(sum->root, size, idx, [&](uint64_t off, size_t n, std::string& o) -> mantle::status {
    o.assign(file, off, n);
    return {};
  });
  if (prove_seconds)
    *prove_seconds = since(t0);
  if (!proofs)
    return false;
  std::vector<std::string> encoded;
  size_t bytes_total = 0, path_total = 0;
  for (const auto& p : *proofs) {
    encoded.push_back(encode(p));
    bytes_total += encoded.back().size();
    path_total += p.path.size();
  }
  const int rounds = 20;
  size_t ok = 0;
  t0 = clk::now();
  for (int r = 0; r < rounds; ++r)
    for (const auto& e : encoded) {
      auto p = decode_segment_proof(e);
      ok += p && verify(sum->root, size, *p) == verify_status::ok;
    }
  double s = since(t0);
  if (ok != rounds * encoded.size())
    return false;
  out.file_bytes = size;
  out.proof_bytes_avg = static_cast<double>(bytes_total) / encoded.size();
  out.path_length_avg = static_cast<double>(path_total) / encoded.size();
  out.verify_us = s / (rounds * encoded.size()) * 1e6;
  return true;
}

} // namespace

int main(int argc, char** argv) {
  uint64_t mib = arg_or(argc, argv, 1, 256);
  uint64_t nodes = arg_or(argc, argv, 2, 100);
  uint64_t challenges = arg_or(argc, argv, 3, 460);
  uint64_t slot_blocks = arg_or(argc, argv, 4, 600);
  uint64_t block_seconds = arg_or(argc, argv, 5, 6);
  if (mib == 0 || nodes == 0 || challenges == 0 || slot_blocks == 0 || block_seconds == 0) {
    std::fprintf(stderr, "usage: bench_proof [MiB=256] [nodes=100] [challenges=460] [slot_blocks=600] [block_seconds=6]\n");
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

  // Per-challenge figures by file size; the largest also times one-pass proving of a slot.
  std::vector<uint64_t> sizes;
  for (uint64_t m : {uint64_t{1}, uint64_t{64}, mib})
    if (m <= mib && (sizes.empty() || sizes.back() != m << 20))
      sizes.push_back(m << 20);
  std::vector<per_challenge> rows;
  double prove_s = 0;
  for (auto s : sizes) {
    per_challenge row;
    if (!measure(file, s, challenges, rng, row, s == size ? &prove_s : nullptr))
      return 1;
    rows.push_back(row);
  }
  const per_challenge& big = rows.back();

  // One slot: every node answers `challenges` proofs; validators verify them all.
  double proofs_per_slot = static_cast<double>(nodes) * challenges;
  double slot_seconds = static_cast<double>(slot_blocks * block_seconds);
  double verify_slot_s = big.verify_us * 1e-6 * proofs_per_slot;
  double proofs_per_block = proofs_per_slot / slot_blocks;
  double verify_block_s = big.verify_us * 1e-6 * proofs_per_block;
  double proof_bytes_slot = big.proof_bytes_avg * proofs_per_slot;

  std::printf("{\"bytes\":%llu,\"segment_size\":%llu,\"leaves\":%llu,"
              "\"raw_blake2b_gbps\":%.3f,\"proof_root_gbps\":%.3f,\"root_vs_raw_time_ratio\":%.3f,"
              "\"challenges\":%llu,\"one_pass_proofs_seconds\":%.3f,\"per_challenge\":[",
              static_cast<unsigned long long>(size), static_cast<unsigned long long>(segment_size),
              static_cast<unsigned long long>(sum->leaf_count), size / raw_s / 1e9, size / tree_s / 1e9,
              tree_s / raw_s, static_cast<unsigned long long>(challenges), prove_s);
  for (size_t i = 0; i < rows.size(); ++i)
    std::printf("%s{\"file_bytes\":%llu,\"proof_bytes_avg\":%.1f,\"path_length_avg\":%.1f,\"verify_us\":%.2f}",
                i ? "," : "", static_cast<unsigned long long>(rows[i].file_bytes), rows[i].proof_bytes_avg,
                rows[i].path_length_avg, rows[i].verify_us);
  std::printf("],\"slot\":{\"nodes\":%llu,\"challenges_per_node\":%llu,\"slot_blocks\":%llu,\"block_seconds\":%llu,"
              "\"slot_seconds\":%.0f,\"verify_seconds_per_slot\":%.3f,\"verify_vs_slot_ratio\":%.6f,"
              "\"proofs_per_block\":%.1f,\"verify_ms_per_block\":%.3f,\"verify_vs_block_ratio\":%.6f,"
              "\"proof_bytes_per_slot\":%.0f,\"proof_bytes_per_block\":%.0f}}\n",
              static_cast<unsigned long long>(nodes), static_cast<unsigned long long>(challenges),
              static_cast<unsigned long long>(slot_blocks), static_cast<unsigned long long>(block_seconds),
              slot_seconds, verify_slot_s, verify_slot_s / slot_seconds, proofs_per_block, verify_block_s * 1e3,
              verify_block_s / block_seconds, proof_bytes_slot, proof_bytes_slot / slot_blocks);
  return 0;
}
