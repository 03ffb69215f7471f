// The market actor (registry name "market", interface in messages/market.hpp): a thin shell
// around market::market_book and the acceptance policy. It follows the chain through node
// events on "mantle.events" and, every few blocks, reads the chain's file records and this
// node's committed set from the validator (chain_scan_atom). For a file it takes it fetches the
// whole DAG through the "exchange" actor, pins it (name "mantle-market", unless a pin exists),
// recomputes size and proof root (actors/prover/file_proof.hpp) in a detached worker and, when
// they match the order, tells the prover (prover_add_atom). Bad orders are abandoned with the
// reason and unpinned; files the chain closed or whose replica this node lost are dropped
// (prover_drop_atom) and unpinned. Only pins still named "mantle-market" are removed, so a pin
// a person made (before or after) survives.
#pragma once
#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "actors/market/acceptance_policy.hpp"

namespace mantle {

class block_store;

// Name of the pins the market makes.
constexpr const char* market_pin_name = "mantle-market";

struct market_actor_config {
  std::string node_key; // this node's 32-byte Ed25519 public key (its chain identity)
  std::string data_dir; // free disk space is measured here when capacity is automatic
  // Resolved at each use, so restarted actors are found; an invalid handle means "not running".
  std::function<caf::actor()> chain;    // "validator"
  std::function<caf::actor()> exchange; // "exchange"
  std::function<caf::actor()> store;    // "blocks"
  std::function<caf::actor()> prover;   // "prover"
  std::shared_ptr<block_store> local_store; // optional: verification reads LMDB directly
  market::policy_options policy;
  uint64_t capacity = 0;                    // bytes for market files; 0 = free disk − margin
  uint64_t margin = uint64_t{1} << 30;      // kept free when capacity is automatic
  std::chrono::milliseconds fetch_timeout{60000}; // a DAG fetch without progress this long fails
  std::chrono::milliseconds rescan_interval{10000}; // scan even when no block event arrives
  std::chrono::milliseconds chain_timeout{10000};   // one read or scan of the validator
  // Order policy (--market-policy): when `policy_name` is set, each order the market's own
  // checks would take is first offered to that actor, (mkt_ask_atom, order_offer) ->
  // order_decision (messages/plugin.hpp). A "no" is remembered for the slot with its reason
  // (status "policy.declined"); no answer within `policy_timeout` sets the order aside until
  // the next scan; while the actor is not running nothing is taken.
  std::string policy_name;
  std::function<caf::actor()> order_policy; // resolves policy_name
  std::chrono::milliseconds policy_timeout{5000};
};

caf::actor spawn_market_actor(caf::actor_system& sys, market_actor_config cfg);

} // namespace mantle
