#include "actors/validator/vote_set.hpp"

namespace mantle::chain {

vote_set::added vote_set::add(const vote& v, uint64_t power, const vote** first) {
  auto it = votes_.find(v.validator);
  if (it != votes_.end()) {
    if (it->second.block_id == v.block_id)
      return added::duplicate;
    if (first)
      *first = &it->second;
    return added::conflicting;
  }
  votes_.emplace(v.validator, v);
  by_block_[v.block_id] += power;
  voted_ += power;
  return added::counted;
}

uint64_t vote_set::power_for(const std::string& block_id) const {
  auto it = by_block_.find(block_id);
  return it == by_block_.end() ? 0 : it->second;
}

std::optional<std::string> vote_set::two_thirds_majority() const {
  for (const auto& [id, power] : by_block_)
    if (over_two_thirds(power, total_))
      return id;
  return std::nullopt;
}

const vote* vote_set::vote_of(const std::string& validator) const {
  auto it = votes_.find(validator);
  return it == votes_.end() ? nullptr : &it->second;
}

commit_cert vote_set::make_cert(const std::string& block_id) const {
  commit_cert c;
  c.height = height_;
  c.round = round_;
  c.block_id = block_id;
  for (const auto& [key, v] : votes_) // std::map: sorted by key
    if (v.block_id == block_id)
      c.sigs.push_back({key, v.signature});
  return c;
}

} // namespace mantle::chain
