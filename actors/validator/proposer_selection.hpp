// Stake-weighted round-robin proposer selection.
//
// Scheme (deterministic, no persisted state): the validators' powers are reduced to integer
// weights w_i (divided by their gcd; when the sum still exceeds `max_period` they are scaled to
// a sum of about `max_period`, each kept >= 1). A smooth weighted round robin (every slot each
// validator's priority grows by w_i, the highest priority proposes and pays back the sum W;
// ties go to the lower key) then fills one period of W slots, in which validator i proposes
// exactly w_i times, spread evenly. The proposer of (height, round) is the validator in slot
// (height + round) mod W. So:
//  - proposer(height, round) is a pure function of (validator set, height, round);
//  - over any W consecutive heights each validator proposes in proportion to its power (exact
//    when the powers' gcd-reduced sum fits in max_period, otherwise within 1/max_period of the
//    total power, and every validator at least once per period);
//  - a failed round moves on to the next slot, i.e. the next validator in the rotation.
// Build the schedule once per validator set (O(W * n)) and keep it; lookups are O(1).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/validator/chain_types.hpp"

namespace mantle::chain {

class proposer_schedule {
public:
  static constexpr uint64_t default_max_period = 1u << 15;

  // `set` must come from make_validator_set (non-empty, sorted, powers > 0); an empty set gives
  // an empty schedule whose proposer() is the empty string.
  explicit proposer_schedule(const validator_set& set, uint64_t max_period = default_max_period);

  // Public key of the proposer of (height, round).
  const std::string& proposer(uint64_t height, uint32_t round) const;
  // Index into the validator set of that proposer.
  size_t proposer_index(uint64_t height, uint32_t round) const;
  // Number of slots before the rotation repeats (the sum of the weights).
  size_t period() const { return slots_.size(); }
  // Weight each validator got (same order as the set).
  const std::vector<uint64_t>& weights() const { return weights_; }

private:
  std::vector<std::string> keys_;
  std::vector<uint64_t> weights_;
  std::vector<uint32_t> slots_;
};

// One-shot convenience (builds the whole schedule: prefer keeping a proposer_schedule).
std::string select_proposer(const validator_set& set, uint64_t height, uint32_t round);

} // namespace mantle::chain
