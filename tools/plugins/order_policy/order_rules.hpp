// The order_policy sample plugin's rules, plain C++ (no actor): which storage orders this node
// takes, on top of the market's own checks. Config keys (plugin.ord_policy.<key>):
//   max-size  largest file taken: bytes, or with a unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)
//   min-pool  smallest reward pool taken, in base units
//   allow     comma-separated CID prefixes; when set, only matching CIDs are taken
//   deny      comma-separated CID prefixes never taken (checked first)
// Unknown keys and bad values are errors, so a typo never silently widens the policy.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "messages/plugin.hpp"
#include "storage/result.hpp"

namespace mantle::plugins {

struct order_rules {
  uint64_t max_size = 0; // 0: any size
  uint64_t min_pool = 0;
  std::vector<std::string> allow;
  std::vector<std::string> deny;
};

result<order_rules> parse_order_rules(const std::map<std::string, std::string>& config);

// The first rule that refuses the offer gives the reason; otherwise take.
order_decision decide_order(const order_rules& rules, const order_offer& offer);

} // namespace mantle::plugins
