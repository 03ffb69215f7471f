// The votes of one (height, round, type) with the power behind each block id (the empty id is
// nil). A validator's power counts at most once per block id and once in power_voted(). A
// second, different vote from the same validator is reported as conflicting (add() hands back
// its first vote so the caller can make evidence) and still counted for its own block id, up
// to max_votes_per_validator distinct ids: a Byzantine validator did sign both, so it rightly
// belongs to a quorum for either, and this way every node can see a quorum that exists even if
// it heard the other version first (otherwise one equivocator can stall the honest nodes:
// some see a proof-of-lock that others can never see). Quorum intersection still holds, since
// every counted vote is a real signature. Signatures and membership are the caller's business
// (consensus_state checks both first).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/validator/chain_types.hpp"

namespace mantle::chain {

class vote_set {
public:
  enum class added { counted, duplicate, conflicting };
  static constexpr size_t max_votes_per_validator = 3;

  vote_set() = default;
  vote_set(uint64_t height, uint32_t round, vote_type type, uint64_t total_power)
    : height_(height), round_(round), type_(type), total_(total_power) {}

  // `power` is the voter's voting power. On `conflicting`, *first (when given) points to the
  // validator's first vote.
  added add(const vote& v, uint64_t power, const vote** first = nullptr);

  uint64_t power_for(const std::string& block_id) const;
  uint64_t power_voted() const { return voted_; }
  // Some block id (possibly "" = nil) with more than 2/3 of the power.
  std::optional<std::string> two_thirds_majority() const;
  // More than 2/3 of the power voted, whatever for.
  bool two_thirds_any() const { return over_two_thirds(voted_, total_); }
  // The validator's first vote, or nullptr.
  const vote* vote_of(const std::string& validator) const;
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
  std::map<std::string, std::vector<vote>> votes_; // validator -> its votes, first first
  std::map<std::string, uint64_t> by_block_;  // block id -> power
};

} // namespace mantle::chain
