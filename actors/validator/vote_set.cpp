#include "actors/validator/vote_set.hpp"

namespace mantle::chain {

vote_set::added vote_set::add(const vote& v, uint64_t power, const vote** first) {
  auto& mine = votes_[v.validator];
  for (const auto& o : mine)
    if (o.block_id == v.block_id)
      return added::duplicate;
  if (mine.empty()) {
    mine.push_back(v);
    by_block_[v.block_id] += power;
    voted_ += power;
    return added::counted;
  }
  if (mine.size() < max_votes_per_validator) {
    mine.push_back(v);
    by_block_[v.block_id] += power;
  }
  if (first)
    *first = &mine.front();
  return added::conflicting;
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
  return it == votes_.end() || it->second.empty() ? nullptr : &it->second.front();
}

commit_cert vote_set::make_cert(const std::string& block_id) const {
  commit_cert c;
  c.height = height_;
  c.round = round_;
  c.block_id = block_id;
  for (const auto& [key, vs] : votes_) // std::map: sorted by key
    for (const auto& v : vs)
      if (v.block_id == block_id)
        c.sigs.push_back({key, v.signature});
  return c;
}

} // namespace mantle::chain
