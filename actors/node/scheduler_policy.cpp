#include "actors/node/scheduler_policy.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

namespace mantle::node {

void use_node_scheduler(caf::actor_system_config& cfg) { cfg.set("scheduler.policy", caf::atom("sharing")); }

} // namespace mantle::node
