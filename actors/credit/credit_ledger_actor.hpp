// The credit ledger actor (registry name "ledger", interface in messages/credit.hpp): a thin
// shell around credit_policy (who may be served) and serve_queue (per-peer rate), saving the
// byte counters to LMDB in batches. Spawned detached because those saves block on disk.
#pragma once
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "actors/credit/serve_queue.hpp"

namespace mantle {

class credit_store;

struct credit_ledger_config {
  // Opened once by the node and shared by every incarnation (LMDB forbids opening it twice);
  // null keeps the ledger in memory only (tests).
  std::shared_ptr<credit_store> store;
  std::set<std::string> trusted; // peer ids always served
  uint64_t credit_unit = uint64_t{1} << 20; // bytes per unit of the debt ratio (credit_policy.hpp)
  credit::serve_queue::limits limits; // limits.rate = serve-rate (bytes/s per untrusted peer)
  std::chrono::milliseconds flush_interval{1000};
  uint64_t seed = 0; // random generator seed for serve decisions; 0 = from std::random_device
  // How often the nodes with a valid recent work report are read from the chain (the
  // "validator" actor) and trusted (actors/credit/chain_trust.hpp); a "work_report" node event
  // refreshes at once. 0 = never (no chain, tests).
  std::chrono::milliseconds chain_trust_interval{0};
};

caf::actor spawn_credit_ledger(caf::actor_system& sys, credit_ledger_config cfg);

} // namespace mantle
