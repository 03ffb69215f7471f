// Reserved space (issue #6, DESIGN.md "Incentives"): a node proves free disk space it offers by
// storing labels of a sequential hash chain that depends on its node key and a beacon (the slot
// hash the chain recorded when the reservation was reported), committed by the proof tree's
// root over the labels' bytes, and challenged like a file. Pure C++, no CAF.
//
//   label_0 = BLAKE2b-256("mantle/reserved/v1" || node_key || beacon || u64be(0) || 0^32)
//   label_i = BLAKE2b-256("mantle/reserved/v1" || node_key || beacon || u64be(i) || label_{i-1})
// The reservation's bytes are label_0 || label_1 || ... ; a proof segment (1 KiB) holds 32
// consecutive labels. An answer (struct answer below) carries the challenged segment and the
// one before it, and check_labels verifies the 31 links inside the segment plus the link from
// the previous segment's last label (label_0 in segment 0), so an answer must be a real piece
// of this node's chain for this beacon: the labels cannot be precomputed before the beacon
// exists, shared between nodes, or restarted from a value of the node's choosing per segment.
//
// What it cannot prove (the limit is documented in the README, not hidden): a chain is only as
// costly to recompute as its length. A node that keeps one label in every k (the first label
// of every k-th segment, say) can rebuild any challenged segment with at most 32·k hashes, so
// it trades disk for CPU at challenge time; that is why reserved bytes count at a low weight
// (chain param reserved_weight_ppm) in storage power, below proven files.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "actors/prover/proof_tree.hpp"
#include "storage/result.hpp"

namespace mantle::reserved {

constexpr size_t label_size = 32;
constexpr uint64_t labels_per_segment = proof::segment_size / label_size;

using label = proof::digest;

label make_label(std::string_view node_key, std::string_view beacon, uint64_t index, const label& prev);

// Streams `bytes` of labels (a positive multiple of proof::segment_size) to `out` in pieces of
// up to 1 MiB, and returns the proof tree over them (file_size = bytes). An error from `out`
// (e.g. disk full) aborts; `progress`, when set, gets the bytes produced so far after each
// piece and may return false to cancel (an invalid_input error "generation cancelled").
result<proof::tree_summary> generate(std::string_view node_key, std::string_view beacon, uint64_t bytes,
                                     const std::function<status(std::string_view)>& out,
                                     const std::function<bool(uint64_t)>& progress = {});

// True when `segment` (exactly proof::segment_size bytes) is a valid piece of the chain of
// (node_key, beacon) at `segment_index`: every label after the first follows from its
// predecessor, and in segment 0 the first label too. With `prev_label` (the last label of
// segment_index − 1, 32 bytes) the first label of a later segment is checked against it too.
bool check_labels(std::string_view node_key, std::string_view beacon, uint64_t segment_index,
                  std::string_view segment, std::string_view prev_label = {});

// A challenge answer on reserved space: the challenged segment's proof and, for a segment after
// the first, the proof of the segment before it. The verifier checks both against the
// reservation's root and the first label of the challenged segment against the last label of
// the one before, so every label of the answer follows from a committed label: a node cannot
// start a segment from a label of its own choosing and rebuild it from nothing. Encoding:
// msgpack [bin proof::encode(challenged)] or [bin ..., bin proof::encode(previous)].
struct answer {
  proof::segment_proof challenged;
  std::optional<proof::segment_proof> previous; // segment challenged.index − 1, when index > 0
};
std::string encode_answer(const answer& a);
// Strict; errc::invalid_input naming the problem.
result<answer> decode_answer(std::string_view bytes);
constexpr size_t max_encoded_answer_size = 1 + 2 * (5 + proof::max_encoded_proof_size);

} // namespace mantle::reserved
