// The plugin host (registry name "plugins", interface in messages/plugin.hpp): loads plugin
// shared objects (plugin_loader), spawns each plugin's actor with the node's context
// (messages/plugin_api.hpp), registers it under the plugin's name and supervises it with a
// budget of its own: a plugin actor that exits abnormally is restarted after a short backoff
// (doubling from `backoff`, at most 5 s), at most `restart_limit` times within
// `restart_window`; past that it is stopped and marked "failed" and plugin_failed is published.
// A plugin's failure is never escalated to the node's supervisor. A plugin that quits normally
// is marked "stopped" and left alone.
//
// Loading (config `plugin` paths at start, or plg_load at runtime) publishes plugin_loaded;
// unloading stops the actor, waits for its down message, forgets the plugin and publishes
// plugin_unloaded. The library stays mapped (plugin_api.hpp says why).
//
// The list of loaded plugins lives in a plugin_book shared by every incarnation of the host:
// when the host itself is restarted, its plugin actors are stopped with it and the next
// incarnation starts every plugin of the list again (failed ones stay failed).
#pragma once
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct mantle_plugin_descriptor;

namespace mantle {

using plugin_config = std::map<std::string, std::string>;

// One loaded plugin as the host remembers it across its own restarts.
struct plugin_record {
  std::string name;
  std::string version;
  std::string path;
  unsigned abi = 0;
  plugin_config config;
  const mantle_plugin_descriptor* descriptor = nullptr; // in a library that is never unmapped
  std::string state; // "running", "restarting", "failed", "stopped"
  uint64_t restarts = 0;
  std::string last_exit;
};

struct plugin_book {
  std::mutex mu;
  bool started = false; // the config's plugins were loaded once (a restarted host does not reload them)
  std::vector<plugin_record> plugins;
};

struct plugin_host_config {
  std::vector<std::string> paths;                // started with the node, in this order
  std::map<std::string, plugin_config> configs;  // plugin.<name>.<key> sections, by plugin name
  std::string peer_id;
  std::string data_dir;
  uint32_t restart_limit = 5;
  std::chrono::milliseconds restart_window{30000};
  std::chrono::milliseconds backoff{200};        // before the first restart in the window
  std::chrono::milliseconds stop_timeout{5000};  // a plugin actor that ignores its exit is killed
  std::shared_ptr<plugin_book> book;             // made when empty
};

caf::actor spawn_plugin_host(caf::actor_system& sys, plugin_host_config cfg);

} // namespace mantle
