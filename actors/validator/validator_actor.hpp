// The validator actor (registry name "validator", interface in messages/validator.hpp): a thin
// shell around chain::chain_node. It learns peers' validators through the peer actor, gossips
// proposals, votes, txs and heads to them, turns timeouts into delayed messages, answers
// catch-up requests and the local API, signs txs with the operator's keystore accounts, and
// publishes new blocks, era changes and slashes on the node event group. Spawned detached: the
// vote log and the stores fsync.
#pragma once
#include <caf/fwd.hpp>

#include <string>

#include "messages/events.hpp" // node_event_group

namespace mantle {

class node_identity;

struct validator_actor_config {
  std::string data_dir;      // chain data in <data_dir>/chain, accounts in <data_dir>/keystore
  std::string genesis_path;  // empty: a dev chain with this node as its only validator
  const node_identity* identity = nullptr; // consensus key; outlives the actor
  bool durable = true;
  bool byzantine = false; // test drill: double-sign (chain_node_config::byzantine)
};

caf::actor spawn_validator_actor(caf::actor_system& sys, validator_actor_config cfg);

} // namespace mantle
