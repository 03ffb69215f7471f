#include "actors/gateway/node_actors_json.hpp"

namespace mantle {

nlohmann::json node_actors_json(const supervisor_stats& stats,
                                const std::vector<std::optional<uint64_t>>& mailboxes,
                                const plugin_report& plugins) {
  using json = nlohmann::json;
  json actors = json::array();
  for (size_t i = 0; i < stats.children.size(); ++i) {
    const auto& c = stats.children[i];
    json mbox = nullptr;
    if (i < mailboxes.size() && mailboxes[i])
      mbox = *mailboxes[i];
    actors.push_back({{"name", c.name},
                      {"state", c.running ? "running" : "down"},
                      {"restarts", c.restarts},
                      {"last_exit", c.last_exit},
                      {"mailbox", mbox}});
  }
  json plugs = json::array();
  for (const auto& p : plugins.plugins)
    plugs.push_back({{"name", p.name},
                     {"version", p.version},
                     {"path", p.path},
                     {"abi", p.abi},
                     {"state", p.state},
                     {"restarts", p.restarts},
                     {"last_exit", p.last_exit}});
  return {{"restarts", stats.restarts},
          {"restarts_in_window", stats.restarts_in_window},
          {"restart_limit", stats.restart_limit},
          {"restart_window_ms", stats.restart_window_ms},
          {"actors", actors},
          {"plugin_host", plugins.host_running},
          {"plugins_error", plugins.error},
          {"plugins", plugs}};
}

} // namespace mantle
