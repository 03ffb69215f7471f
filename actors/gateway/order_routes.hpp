// Mantle API routes for storage orders (issue #6), POST /api/v0/mantle/order/...:
//   place?arg=<cid>[&size=<bytes>&root=<64 hex>&tips=<base units>&account=<name|key>]
//       -> {"Hash","Cid","Size","Root","Computed"}; size and root are computed from the node's
//       copy when omitted, and checked against it when the file is here
//       (actors/market/order_terms.hpp: a smaller declared size is refused); the validator signs
//       the place_order tx with a keystore account (default: the first one).
//   prepaid?arg=<cid>&amount=<base units>[&account=] -> {"Hash"}: add_prepaid.
//   status?arg=<cid> -> the file's order (actors/market/order_status.hpp); 404 when the chain
//       has no order for it.
//   list[?after=<cid>&limit=<n ≤ 1000, default 100>] -> {"Orders":[status...], "Next": cid or
//       null}: orders in CID byte order, one page per call.
// CAF-free: the RPC front passes in how to reach the validator (order_chain); tests pass
// their own. Handlers run on the HTTP server's threads.
#pragma once
#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "messages/market.hpp"
#include "storage/result.hpp"

namespace mantle {

class router;
class node_backend;

struct order_chain {
  std::function<result<chain_read_reply>(const std::vector<std::string>& keys)> read;
  std::function<result<chain_scan_reply>(const std::string& prefix, const std::string& after, uint32_t limit)> scan;
  std::function<result<std::string>(const order_request&)> place;     // -> tx hash hex
  std::function<result<std::string>(const prepaid_request&)> prepaid; // -> tx hash hex
  std::function<result<std::string>(const std::string& raw_hash)> tx; // -> mantle/chain/tx JSON
  std::function<result<std::string>()> market_status;                 // -> the market actor's JSON
  std::function<result<std::string>()> prover_status;                 // -> the prover actor's JSON
};

// Asks the "validator" actor of `sys` (blocking, with a timeout); errors say when the chain is
// not running. Defined in validator_order_chain.cpp (the only part with CAF).
order_chain validator_order_chain(caf::actor_system& sys);

constexpr uint32_t order_list_default_limit = 100;
constexpr uint32_t order_list_max_limit = 1000;

// One page of mantle/order/list as JSON text ({"Orders":[...],"Next":cid or null}), orders after
// the CID bytes `after` ("" = from the first); the remote console's `orders` uses it too.
result<std::string> order_list_json(order_chain& chain, const std::string& after, uint32_t limit);

std::vector<std::string> order_route_commands();
void add_order_routes(router& routes, order_chain chain, node_backend& node);

} // namespace mantle
