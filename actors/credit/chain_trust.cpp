#include "actors/credit/chain_trust.hpp"

#include "storage/identity.hpp"

namespace mantle::credit {

bool recently_proven(const market::node_report& r, uint64_t current_slot, uint64_t window) {
  if (r.last_proven_slot == market::no_slot || r.last_proven_slot >= current_slot)
    return false; // a slot is proven only once it is settled, i.e. in an earlier slot
  return current_slot - r.last_proven_slot <= window;
}

std::set<std::string> proven_peers(const std::vector<std::pair<std::string, market::node_report>>& reports,
                                   uint64_t current_slot, uint64_t window) {
  std::set<std::string> out;
  for (const auto& [key, r] : reports)
    if (key.size() == 32 && recently_proven(r, current_slot, window))
      out.insert(peer_id::to_base58(peer_id::from_ed25519(key)));
  return out;
}

} // namespace mantle::credit
