// The votes of one (height, round, type): at most one per validator, with the power behind each
// block id (the empty id is nil). A second, different vote from the same validator is not
// counted; add() hands back the vote it conflicts with so the caller can make evidence.
// Signatures and membership are the caller's business (consensus_state checks both first).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "actors/validator/chain_types.hpp"

namespace mantle::chain {

class vote_set {
public:
  enum class added { counted, duplicate, conflicting };

  vote_set() = default;
  vote_set(uint64_t height, uint32_t round, vote_type type, uint64_t total_power)
    : height_(height), round_(round), type_(type), total_(total_power) {}

  // `power` is the voter's voting power. On `conflicting`, *first (when given) points to the
  // vote already counted for that validator.
  added add(const vote& v, uint64_t power, const vote** first = nullptr);

  uint64_t power_for(const std::string& block_id) const;
  uint64_t power_voted() const { return voted_; }
  // Some block id (possibly "" = nil) with more than 2/3 of the power.
  std::optional<std::string> two_thirds_majority() const;
  // More than 2/3 of the power voted, whatever for.
  bool two_thirds_any() const { return over_two_thirds(voted_, total_); }
  const vote* vote_of(const std::string& validator) const;
  const std::map<std::string, vote>& votes() const { return votes_; }
  // The certificate for `block_id` from the precommits in this set (sorted by validator key).
  commit_cert make_cert(const std::string& block_id) const;

  uint64_t height() const { return height_; }
  uint32_t round() const { return round_; }
  vote_type type() const { return type_; }

private:
  uint64_t height_ = 0;
  uint32_t round_ = 0;
  vote_type type_ = vote_type::prevote;
  uint64_t total_ = 0;
  uint64_t voted_ = 0;
  std::map<std::string, vote> votes_;         // validator -> its counted vote
  std::map<std::string, uint64_t> by_block_;  // block id -> power
};

} // namespace mantle::chain
