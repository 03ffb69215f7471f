#include "actors/validator/proposer_selection.hpp"

#include <numeric>

namespace mantle::chain {

proposer_schedule::proposer_schedule(const validator_set& set, uint64_t max_period) {
  if (set.empty())
    return;
  uint64_t g = 0;
  for (const auto& v : set)
    g = std::gcd(g, v.power);
  unsigned __int128 total = 0;
  for (const auto& v : set) {
    keys_.push_back(v.key);
    weights_.push_back(v.power / g);
    total += v.power / g;
  }
  max_period = std::max<uint64_t>(max_period, set.size());
  if (total > max_period) {
    // Scale down; rounding to the nearest integer keeps the shares close, and a floor of 1 keeps
    // every validator in the rotation.
    for (auto& w : weights_) {
      auto scaled = (static_cast<unsigned __int128>(w) * max_period + total / 2) / total;
      w = std::max<uint64_t>(1, static_cast<uint64_t>(scaled));
    }
  }
  uint64_t period = 0;
  for (auto w : weights_)
    period += w;
  // Smooth weighted round robin over one period; priorities stay within [-W, W].
  std::vector<int64_t> priority(weights_.size(), 0);
  slots_.reserve(period);
  for (uint64_t s = 0; s < period; ++s) {
    size_t best = 0;
    for (size_t i = 0; i < weights_.size(); ++i) {
      priority[i] += static_cast<int64_t>(weights_[i]);
      if (priority[i] > priority[best])
        best = i;
    }
    priority[best] -= static_cast<int64_t>(period);
    slots_.push_back(static_cast<uint32_t>(best));
  }
}

size_t proposer_schedule::proposer_index(uint64_t height, uint32_t round) const {
  if (slots_.empty())
    return 0;
  // Sum modulo the period without overflow.
  uint64_t p = slots_.size();
  return slots_[((height % p) + (round % p)) % p];
}

const std::string& proposer_schedule::proposer(uint64_t height, uint32_t round) const {
  static const std::string none;
  if (slots_.empty())
    return none;
  return keys_[proposer_index(height, round)];
}

std::string select_proposer(const validator_set& set, uint64_t height, uint32_t round) {
  return proposer_schedule(set).proposer(height, round);
}

} // namespace mantle::chain
