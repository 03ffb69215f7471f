// The answer of POST /api/v0/mantle/node/actors (the dashboard's and operators' view of the
// actor tree), built from what the supervisor and the plugin host report. Pure: no CAF runtime.
//   {"restarts": all children since start, "restarts_in_window", "restart_limit",
//    "restart_window_ms",
//    "actors": [{"name", "state": "running"|"down", "restarts", "last_exit" ("" if none),
//                "mailbox": queued messages, or null when the actor did not say}],  (start order)
//    "plugin_host": whether a plugin host runs, "plugins_error": "" or why the list is missing,
//    "plugins": [{"name","version","path","abi","state","restarts","last_exit"}]}
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "messages/plugin.hpp"
#include "messages/supervisor.hpp"

namespace mantle {

struct plugin_report {
  bool host_running = false;
  std::string error;                // the host runs but did not answer
  std::vector<plugin_info> plugins;
};

// mailboxes[i] belongs to stats.children[i]; missing entries count as unknown.
nlohmann::json node_actors_json(const supervisor_stats& stats,
                                const std::vector<std::optional<uint64_t>>& mailboxes,
                                const plugin_report& plugins);

} // namespace mantle
