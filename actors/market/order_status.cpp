#include "actors/market/order_status.hpp"

#include "actors/validator/chain_types.hpp"
#include "storage/identity.hpp"

namespace mantle::market {

const char* order_state(const file_record& f, uint64_t height) {
  if (f.status == file_status::pending)
    return "pending";
  return f.expiry_height <= height ? "expired" : "live";
}

uint64_t proven_replicas(const file_record& f) {
  uint64_t n = 0;
  for (const auto& r : f.replicas)
    n += r.last_proven_slot != no_slot;
  return n;
}

nlohmann::json order_json(const cid& c, const file_record& f, uint64_t height, uint64_t slot) {
  using json = nlohmann::json;
  bool pending = f.status == file_status::pending;
  json replicas = json::array();
  for (const auto& r : f.replicas)
    replicas.push_back({{"node_key", chain::to_hex(r.node_key)},
                        {"peer_id", r.node_key.size() == 32 ? peer_id::to_base58(peer_id::from_ed25519(r.node_key)) : std::string{}},
                        {"since_slot", r.since_slot},
                        {"last_proven_slot", r.last_proven_slot == no_slot ? json(nullptr) : json(r.last_proven_slot)},
                        {"failures", r.failures}});
  return json{{"cid", c.str()},
              {"status", order_state(f, height)},
              {"size", f.size},
              {"root", chain::to_hex(f.proof_root)},
              {"created_height", f.created_height},
              {"expiry_height", pending ? json(nullptr) : json(f.expiry_height)},
              {"blocks_left", pending ? json(nullptr) : json(f.expiry_height > height ? f.expiry_height - height : 0)},
              {"pool", f.pool},
              {"prepaid", f.prepaid},
              {"orders", f.orders},
              {"replicas", std::move(replicas)},
              {"proven_replicas", proven_replicas(f)},
              {"height", height},
              {"slot", slot}};
}

} // namespace mantle::market
