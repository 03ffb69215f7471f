// Mantle API routes backed by the validator actor (POST /api/v0/mantle/...): chain head,
// blocks, txs, validators, era; accounts of the node's keystore; transfers and staking signed
// with them; submission of txs signed elsewhere. Handlers run on the HTTP server's threads and
// ask "validator" with a blocking scoped actor and a timeout.
#pragma once
#include <caf/fwd.hpp>

#include <string>
#include <vector>

namespace mantle {

class router;

// Command names, for the metrics labeller.
std::vector<std::string> chain_route_commands();
void add_chain_routes(router& routes, caf::actor_system& sys);

} // namespace mantle
