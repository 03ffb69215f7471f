// The HTTP gateway as a supervised child, beside the RPC front: its own Beast server on the
// gateway address, reading blocks through the same backend. Restarting it rebinds the port.
#pragma once
#include <caf/fwd.hpp>

#include <memory>
#include <string>
#include <vector>

#include "net/gateway_api.hpp"
#include "net/node_backend.hpp"

namespace mantle {

class access_log;
class block_store;

struct gateway_front_config {
  std::string address;    // "127.0.0.1:8080"
  std::string store_name; // registry name of the block store
  peer_info id;
  std::shared_ptr<block_store> local_store; // in-process store for direct reads (optional)
  gateway_options options;
  std::vector<std::string> cors_origins{"*"}; // --gateway-cors-origins
  std::shared_ptr<access_log> requests_log;    // shared with the RPC front; null = off
};

caf::actor spawn_gateway_front(caf::actor_system& sys, gateway_front_config cfg);

} // namespace mantle
