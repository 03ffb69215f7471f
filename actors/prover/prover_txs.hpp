// The prover's two transactions (MARKET-CONTRACT.md): work_report (type 18) and storage_proof
// (type 19), signed by the node key (the node is the sender; fee 0, which the chain accepts from
// a registered node key for these types), and the split of a slot's challenge answers into
// storage_proof txs that each fit the chain's max_tx_bytes and tx decoder limits.
// Pure C++, no CAF.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "actors/prover/report_builder.hpp"
#include "actors/validator/tx.hpp"

namespace mantle {
class node_identity;
}

namespace mantle::prover {

constexpr uint64_t work_report_type = 18;
constexpr uint64_t storage_proof_type = 19;

// One challenge answer: its number in the node's challenge set and proof::encode(segment_proof).
struct answer {
  uint64_t challenge_no = 0;
  std::string proof;
  bool operator==(const answer& o) const { return challenge_no == o.challenge_no && proof == o.proof; }
};

std::vector<chain::tx_arg> work_report_args(const report_body& r);
std::vector<chain::tx_arg> storage_proof_args(uint64_t slot, const std::vector<answer>& answers);

// Encoded, signed tx from `node` with fee 0.
std::string sign_node_tx(const node_identity& node, std::string_view chain_id, uint64_t type, uint64_t nonce,
                         std::vector<chain::tx_arg> args);

// Greedy split in the given order: each batch, sent as one storage_proof tx, encodes to at most
// max_tx_bytes and stays within the decoder's item limit. Fails when one answer alone cannot
// fit (max_tx_bytes too small for a proof).
result<std::vector<std::vector<answer>>> split_answers(std::vector<answer> answers, uint64_t max_tx_bytes,
                                                       const chain::tx_limits& limits = {});

} // namespace mantle::prover
