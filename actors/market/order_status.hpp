// How a storage order looks to the people who placed it (issue #6): its state at a height and
// its replicas, as the Mantle API's order/status and order/list answer, `mantle order status`
// prints and the Pinning Service API maps to its pin statuses. Pure C++, no CAF.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/market/market_rules.hpp"
#include "storage/cid.hpp"

namespace mantle::market {

// "pending" (no replica proven yet), "live", or "expired": live with its expiry height reached
// but not yet renewed or closed (that happens at the next slot boundary).
const char* order_state(const file_record& f, uint64_t height);
// Replicas that proved the file at least once (the ones "live with N replicas" counts).
uint64_t proven_replicas(const file_record& f);

// {"cid","status","size","root","created_height","expiry_height" (null while pending),
//  "blocks_left" (null while pending, 0 once expired),"pool","prepaid","orders",
//  "replicas":[{"node_key","peer_id","since_slot","last_proven_slot" (null = never),
//  "failures"}],"proven_replicas","height","slot"}; amounts in base units.
nlohmann::json order_json(const cid& c, const file_record& f, uint64_t height, uint64_t slot);

} // namespace mantle::market
