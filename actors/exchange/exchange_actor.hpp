// The block-exchange actor (registered as "exchange"): fetches blocks the node lacks from
// connected peers and serves this node's blocks to them. Messages and the local API are in
// messages/exchange.hpp; the choice of peers is actors/exchange/want_engine (pure logic).
//
// Peers are learnt from peer_up / peer_down (messages/peer.hpp), sent by the peer actor; a
// message from another exchange is attributed to a peer by its sender handle only. Every block
// received is hashed and compared with its CID before it is written through the block-store
// actor; a peer sending a wrong or unrequested block is reported to the peer actor
// (peer_misbehaved_atom) and never asked again. Serving asks the credit ledger first
// (may_serve) and records the bytes either way (record). While a configured ledger is not
// running (restarting), blocks to serve wait for it (refused after ledger_timeout) and the
// bytes exchanged are kept and handed to it when it is back.
#pragma once
#include <caf/fwd.hpp>

#include <chrono>
#include <functional>

#include "actors/exchange/want_engine.hpp"
#include "actors/exchange/want_limits.hpp"

namespace mantle {

struct exchange_config {
  // Resolved at each use so restarted actors are found. `store` is required. `peer` may return
  // an invalid handle (nobody to report to). Without a `ledger` function everyone is served
  // and nothing counted; with one, an invalid handle means the ledger is restarting.
  std::function<caf::actor()> store;
  std::function<caf::actor()> ledger;
  std::function<caf::actor()> peer;
  std::chrono::milliseconds fetch_timeout{30000}; // for requests that pass timeout_ms = 0
  std::chrono::milliseconds ledger_timeout{60000}; // the ledger may queue a serve decision
  exchange::engine_limits limits;
  // What one peer may ask of this node at once (over-limit messages are dropped and logged).
  exchange::want_limits serve_limits;
  // How many verified blocks are collected into one write to the block store.
  size_t write_batch_bytes = 8u << 20;
};

caf::actor spawn_exchange_actor(caf::actor_system& sys, exchange_config cfg);

} // namespace mantle
