// Mantle API routes about the node process itself, POST /api/v0/mantle/node/...:
//   actors -> node_actors_json (actors/gateway/node_actors_json.hpp): the supervisor's children
//       with their state, restarts, last exit and mailbox size, and the plugin host's plugins
//       (an empty list when no plugin host runs). 503 when the supervisor does not answer.
// Handlers run on the HTTP server's threads and ask the actors with a scoped actor and timeouts.
#pragma once
#include <caf/fwd.hpp>

#include <string>
#include <vector>

namespace mantle {

class router;

std::vector<std::string> node_route_commands();
void add_node_routes(router& routes, caf::actor_system& sys);

} // namespace mantle
