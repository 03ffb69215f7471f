// The prover actor (registry name "prover", interface in messages/market.hpp): a thin shell
// around the prover's pure logic. It follows the chain through the node events of
// "mantle.events" (and a slow tick), reads this node's state through the validator
// (chain_read / chain_scan), and each slot
//   - sends one work report signed by the node key (report_builder.hpp), retried within the
//     slot until the chain's 'R' record shows it;
//   - answers the node's challenge set: one pass per challenged file over the local block store
//     (or the reserved-space labels), in a detached worker, then storage_proof txs split under
//     the chain's max_tx_bytes (prover_txs.hpp);
//   - keeps --reserve-bytes of reserved-space labels (reserved_file.hpp) for the chain's
//     reservation beacon, generated in a detached worker.
// The market tells it which files to claim (prover_add_atom) or drop (prover_drop_atom); those
// claims are kept in <data_dir>/prover/claims until the chain shows them. A file is claimed only
// while it is pinned in the local block store. Spawned detached: the claim file and the pin
// lookups touch the disk.
#pragma once
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace mantle {

class node_identity;
class block_store;

struct prover_actor_config {
  std::string data_dir;                     // state in <data_dir>/prover
  const node_identity* identity = nullptr;  // the node key; outlives the actor
  std::shared_ptr<block_store> store;       // the node's block store: pins and file bytes
  uint64_t reserve_bytes = 0;               // reserved space to offer (multiple of reserved_unit_bytes)
  std::chrono::milliseconds tick{2000};     // looks at the chain this often even without events
  std::chrono::milliseconds request_timeout{10000};
};

caf::actor spawn_prover_actor(caf::actor_system& sys, prover_actor_config cfg);

} // namespace mantle
