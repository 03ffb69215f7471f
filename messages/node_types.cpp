#include "messages/node_types.hpp"

#include <caf/actor_system_config.hpp>

#include "messages/supervisor.hpp"

namespace mantle {

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<child_status>("mantle::child_status");
  cfg.add_message_type<std::vector<child_status>>("std::vector<mantle::child_status>");
  cfg.add_message_type<supervisor_stats>("mantle::supervisor_stats");
}

} // namespace mantle
