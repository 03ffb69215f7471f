// mantled's "console" child, built from the node's options: the address, the admin key (loaded,
// or generated on first start when the default path is used) and what `status` shows.
#pragma once
#include <optional>
#include <string>

#include "actors/supervisor/supervisor_actor.hpp"
#include "config/options.hpp"

namespace mantle {

// nullopt with --console-addr off. Throws std::runtime_error naming the key file when the key
// cannot be read or created (mantled then refuses to start, as for its other files).
std::optional<child_spec> console_child(const config::node_options& options, const std::string& peer_id);

} // namespace mantle
