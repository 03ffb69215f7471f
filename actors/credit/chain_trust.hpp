// Which peers the credit ledger trusts because of the chain (issue #6): a node whose work report
// was proven in one of the last `window` slots (its 'R' record's last_proven_slot, settled at
// each slot boundary) is trusted; its peer id is the one of its node key (a node's identity key
// is its chain node key). Pure C++, no CAF; the ledger actor feeds it the chain's 'R' records.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "actors/market/market_rules.hpp"

namespace mantle::credit {

// "Within the last 2 slots": proven in slot s−1 or s−2 while the chain is in slot s.
constexpr uint64_t trusted_report_slots = 2;

bool recently_proven(const market::node_report& r, uint64_t current_slot, uint64_t window = trusted_report_slots);

// Peer ids ("12D3KooW...") of the nodes among `reports` (node key, record) recently proven.
std::set<std::string> proven_peers(const std::vector<std::pair<std::string, market::node_report>>& reports,
                                   uint64_t current_slot, uint64_t window = trusted_report_slots);

} // namespace mantle::credit
