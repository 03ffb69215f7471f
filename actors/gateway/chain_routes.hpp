// Mantle API routes backed by the validator actor (POST /api/v0/mantle/...): chain head,
// blocks, txs, validators, era; accounts of the node's keystore; transfers and staking signed
// with them; submission of txs signed elsewhere. Handlers run on the HTTP server's threads and
// ask "validator" with a blocking scoped actor and a timeout.
#pragma once
#include <caf/fwd.hpp>

namespace mantle {

class router;

void add_chain_routes(router& routes, caf::actor_system& sys);

} // namespace mantle
