// Kubo RPC commands backed by the peer actor: swarm/peers, swarm/connect, and id with the real
// listen addresses. Handlers run on the HTTP server's threads and ask "peer" (registry) with a
// blocking scoped actor and a timeout, never an infinite wait.
#pragma once
#include <caf/fwd.hpp>
#include "net/node_backend.hpp"

namespace mantle {

class router;

// Registers the commands on `routes`, replacing a plain `id` registered before.
void add_peer_routes(router& routes, caf::actor_system& sys, peer_info me);

} // namespace mantle
