// The RPC front as a supervised child: it owns the Beast server (its own threads) and the
// Kubo API bound to the actor backend. The server stops when the actor exits, so a restart
// rebinds the port with fresh state.
#pragma once
#include <caf/fwd.hpp>

#include <memory>
#include <string>
#include <vector>

#include "net/node_backend.hpp"

namespace mantle {

class block_store;
class access_log;
namespace psa {
class psa_store;
}

struct rpc_front_config {
  std::string address;   // "127.0.0.1:5001"
  std::string repo_path; // shown by repo/stat
  peer_info id;
  std::string store_name; // registry name of the block store
  std::vector<std::string> allowed_origins; // empty: Kubo's defaults (same origin only)
  std::shared_ptr<block_store> local_store;  // in-process store for direct reads (optional)
  bool fault_injection = false;              // mantle/diag/fault route for supervision drills
  std::shared_ptr<access_log> requests_log;  // access log (net/access_log); null = off
  // Pinning Service API under /psa and the mantle/token/* commands (off when null); new
  // requests wake the actor registered as `pinner_name`.
  std::shared_ptr<psa::psa_store> psa_store;
  std::string pinner_name;
};

caf::actor spawn_rpc_front(caf::actor_system& sys, rpc_front_config cfg);

} // namespace mantle
