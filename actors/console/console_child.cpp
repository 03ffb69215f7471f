#include "actors/console/console_child.hpp"

#include <memory>
#include <stdexcept>

#include "actors/console/console_actor.hpp"
#include "actors/console/console_auth.hpp"
#include "config/log.hpp"
#include "config/version.hpp"

namespace mantle {

std::optional<child_spec> console_child(const config::node_options& options, const std::string& peer_id) {
  if (!options.console_addr)
    return std::nullopt;
  console_actor_config cc;
  cc.host = options.console_addr->host;
  cc.port = options.console_addr->port;
  cc.peer_id = peer_id;
  cc.version = version_string;
  cc.data_dir = options.data_dir;
  // The default key is generated on first start; a file given by name must exist.
  bool default_path = options.console_key_file.empty();
  auto key_file = default_path ? options.data_dir + "/console.key" : options.console_key_file;
  bool created = false;
  auto key = console::load_key(key_file, default_path, &created);
  if (!key)
    throw std::runtime_error(key.err().message);
  if (created)
    log::info("mantled", "generated the console key in " + key_file + " (mantle console --key-file reads it)");
  cc.auth = std::make_shared<console::console_auth>(*key);
  return child_spec{"console", [cc](caf::actor_system& sys) { return spawn_console_actor(sys, cc); }};
}

} // namespace mantle
