// Empirical detection rate of a node that lost a fraction ρ of its segments, over many fixed
// seeds, against the theory 1 − (1 − ρ)^c, for several ρ and c (including c = 460, ρ = 1%, the
// DESIGN.md operating point). The lost segments are drawn once per ρ from a fixed stream, not
// spaced evenly, so clustering within files is as a real partial loss would be. Prints JSON.
//   bench_detection [TRIALS]   (default 10000 seeds per point)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "actors/prover/challenge.hpp"

using namespace mantle::proof;

int main(int argc, char** argv) {
  uint32_t trials = argc > 1 ? static_cast<uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 10000;
  if (trials == 0) {
    std::fprintf(stderr, "usage: bench_detection [TRIALS > 0]\n");
    return 2;
  }
  // A node with 64 files of uneven sizes (1 .. 4096 segments), 1 MiB-ish segments in practice.
  std::vector<stored_file> files;
  uint64_t total = 0;
  for (uint32_t i = 0; i < 64; ++i) {
    uint64_t n = uint64_t{1} << (i % 13); // 1, 2, 4, .. 4096
    files.push_back({"file" + std::to_string(i), n});
    total += n;
  }
  const std::vector<uint8_t> node_key(32, 0x5A);
  seed32 base{};
  base[0] = 0x42;

  const double rhos[] = {0.001, 0.01, 0.05, 0.1};
  const uint32_t cs[] = {10, 50, 100, 230, 460, 1000};
  std::printf("{\n  \"bench\": \"detection\",\n  \"segments\": %llu,\n  \"files\": %zu,\n"
              "  \"trials\": %u,\n  \"points\": [\n",
              static_cast<unsigned long long>(total), files.size(), trials);
  bool first = true;
  double total_secs = 0;
  uint64_t total_challenges = 0;
  for (double rho : rhos) {
    // Lose exactly round(ρ × total) distinct segments, chosen by challenge selection itself
    // under a separate key, so the loss pattern is fixed but not aligned to file boundaries.
    auto lost_count = static_cast<size_t>(std::llround(rho * double(total)));
    std::set<challenge> lost_set;
    const std::vector<uint8_t> loss_key(32, 0x01);
    for (uint64_t round = 0; lost_set.size() < lost_count; ++round)
      for (const auto& ch : select_challenges(derive_seed(base, ~round), loss_key, files, 1024)) {
        if (lost_set.size() >= lost_count) break;
        lost_set.insert(ch);
      }
    std::vector<challenge> lost(lost_set.begin(), lost_set.end());
    double actual_rho = double(lost.size()) / double(total);
    for (uint32_t c : cs) {
      auto t0 = std::chrono::steady_clock::now();
      auto est = estimate_detection(base, node_key, files, lost, c, trials);
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      total_secs += secs;
      total_challenges += uint64_t{c} * trials;
      double theory = detection_probability(actual_rho, c);
      double p = est.rate();
      double sd = std::sqrt(theory * (1 - theory) / trials);
      std::printf("%s    {\"rho\": %.6f, \"c\": %u, \"detected\": %u, \"empirical\": %.6f, "
                  "\"theory\": %.6f, \"diff\": %.6f, \"stddev\": %.6f}",
                  first ? "" : ",\n", actual_rho, c, est.detected, p, theory, p - theory, sd);
      first = false;
    }
  }
  std::printf("\n  ],\n  \"challenges_per_sec\": %.0f\n}\n",
              total_secs > 0 ? double(total_challenges) / total_secs : 0.0);
  return 0;
}
