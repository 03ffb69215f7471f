// Node events: one message type published on the local group "mantle.events" (node_event_group)
// for the console, the dashboard and plugins. Kinds so far: "block", "era_change", "slash",
// "validator_set_change", "order_live", "replica_lost", "work_report" (validator);
// "actor_restarted" (supervisor); "peer_up", "peer_down" (peer); "order_taken",
// "replica_added", "order_abandoned" (market); "plugin_loaded", "plugin_unloaded",
// "plugin_failed" (plugin host).
#pragma once
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

namespace mantle {

// Name of the local group on which node events are published.
constexpr const char* node_event_group = "mantle.events";

struct node_event {
  std::string kind;   // "block", "era_change", "slash", "validator_set_change", ...
  uint64_t height = 0;
  std::string text;   // one line for a person
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_event& x) {
  return f(caf::meta::type_name("mantle::node_event"), x.kind, x.height, x.text);
}

} // namespace mantle
