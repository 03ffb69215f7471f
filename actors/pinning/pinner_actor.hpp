// The Pinning Service API's pinner as a supervised child: a thin shell that runs
// psa::pinner (net/psa_pinner.hpp) when woken and on a retry timer. Pins go through the
// block-store actor (re-resolved by name per call), which blocks, so the pinner is detached.
// All state is in psa_store: a restarted pinner (or node) resumes queued and pinning requests.
#pragma once
#include <caf/fwd.hpp>

#include <memory>
#include <string>

#include "net/node_backend.hpp"
#include "net/psa_pinner.hpp"

namespace mantle {

class block_store;

struct pinner_config {
  psa::pinner_options options;
  std::shared_ptr<psa::psa_store> store;
  std::string store_name;                   // registry name of the block-store actor
  std::shared_ptr<block_store> local_store; // in-process store for direct reads (optional)
  peer_info id;
  // options.min_replicas ≥ 1 (and the chain on): pins are also storage orders, signed by the
  // node's first keystore account through the "validator" actor (net/psa_pinner.hpp).
};

caf::actor spawn_pinner(caf::actor_system& sys, pinner_config cfg);

} // namespace mantle
