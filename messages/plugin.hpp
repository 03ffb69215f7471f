// The plugin host's interface (actors/plugin_host, registry name "plugins"), used by the console
// and the dashboard. The ABI plugin authors build against is messages/plugin_api.hpp.
//   (plg_load_atom, std::string path, std::map<std::string, std::string> config) -> plugin_info
//       dlopen + ABI check + spawn under the host's supervision; an error names what is wrong
//       (file missing, symbol missing, ABI or CAF version mismatch, name already loaded)
//   (plg_unload_atom, std::string name) -> plugin_info   stops the plugin's actor and forgets it
//   (plg_list_atom) -> std::vector<plugin_info>
//
// Order policy hook (the market asks the actor named by --market-policy, e.g. a plugin):
//   (mkt_ask_atom, order_offer) -> order_decision
#pragma once
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mantle {

constexpr const char* plugin_host_name = "plugins";

struct plugin_info {
  std::string name;
  std::string version;
  std::string path;
  uint32_t abi = 0;
  std::string state;     // "running", "restarting", "failed" (restart budget spent), "stopped"
  uint64_t restarts = 0;
  std::string last_exit; // exit reason of its last failure, "" if none
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, plugin_info& x) {
  return f(caf::meta::type_name("mantle::plugin_info"), x.name, x.version, x.path, x.abi, x.state,
           x.restarts, x.last_exit);
}

// An order the market could take, after its own checks (capacity, replicas, expiry) passed.
struct order_offer {
  std::string cid;          // text form
  uint64_t size = 0;        // declared bytes
  uint32_t replicas = 0;    // proven replicas now
  uint32_t max_replicas = 0;
  uint64_t expires_at = 0;  // block height
  uint64_t pool = 0;        // the file's reward pool, in base units
  std::string owner;        // account that placed it (hex)
  uint64_t slot = 0;        // current report slot
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_offer& x) {
  return f(caf::meta::type_name("mantle::order_offer"), x.cid, x.size, x.replicas, x.max_replicas,
           x.expires_at, x.pool, x.owner, x.slot);
}

struct order_decision {
  bool take = false;
  std::string reason; // why not (shown in mantle/market/status), or "" when taken
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_decision& x) {
  return f(caf::meta::type_name("mantle::order_decision"), x.take, x.reason);
}

} // namespace mantle
