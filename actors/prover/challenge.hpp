// Deterministic storage challenges (issue #6, DESIGN.md "Incentives"): from a slot seed (a block
// hash at least one slot old), a node key and the node's stored files, every node and validator
// derives the same c challenges (file, segment) for that node. Plus the detection probability
// of c challenges against a node that lost a fraction ρ of its segments, in theory and measured.
//
// Selection: the node's segments are numbered 0 .. total−1 in file order (file 0's segments,
// then file 1's, ...). Challenge i is segment number u_i, u_i uniform in [0, total), drawn with
// replacement, so a file is hit in proportion to its segment count. The u_i come from a
// counter-mode PRF:
//   block_k = BLAKE2b-256("mantle/challenge/v1" || seed || u32be(len(key)) || key || u64be(k))
// each block read as four big-endian u64 words in order; a word w is rejected when
// w >= 2^64 − (2^64 mod total) (so w mod total is unbiased) and the next word is used.
// The file list's order is part of the input: callers pass it in the node's committed order
// (the order of its files root). Files with 0 segments are never challenged. Segment counts
// summing past 2^64 − 1 (impossible for real files) saturate: later files are not challenged.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace mantle::proof {

using seed32 = std::array<uint8_t, 32>;

struct stored_file {
  std::string file_id;   // opaque here (a CID's bytes); only the order and counts matter
  uint64_t segments = 0; // number of proof segments of the file
};

struct challenge {
  uint32_t file_index = 0;    // into the stored_file list
  uint64_t segment_index = 0; // within that file
  bool operator==(const challenge& o) const {
    return file_index == o.file_index && segment_index == o.segment_index;
  }
  bool operator<(const challenge& o) const {
    return file_index != o.file_index ? file_index < o.file_index
                                      : segment_index < o.segment_index;
  }
};

// `count` challenges in draw order; empty when count is 0 or the files hold no segments.
std::vector<challenge> select_challenges(const seed32& seed, const std::vector<uint8_t>& node_key,
                                         const std::vector<stored_file>& files, uint32_t count);

// 1 − (1 − rho)^c: the chance that c independent uniform challenges hit at least one of a
// fraction rho of lost segments. rho is clamped to [0, 1].
double detection_probability(double rho, uint32_t c);

struct detection_estimate {
  uint32_t trials = 0;
  uint32_t detected = 0; // trials where at least one challenge hit a lost segment
  double rate() const { return trials == 0 ? 0.0 : double(detected) / trials; }
};

// Runs `trials` slots with seeds BLAKE2b-256("mantle/detect-seed/v1" || base_seed || u64be(t)),
// t = 0 .. trials−1 (deterministic, no clock or RNG), and counts how often the node's
// challenges hit `lost` (any order, duplicates allowed).
detection_estimate estimate_detection(const seed32& base_seed, const std::vector<uint8_t>& node_key,
                                      const std::vector<stored_file>& files,
                                      std::vector<challenge> lost, uint32_t c, uint32_t trials);

// The seed of trial t of estimate_detection, exposed so benchmarks and tests can reuse it.
seed32 derive_seed(const seed32& base_seed, uint64_t t);

} // namespace mantle::proof
