// The peer actor: this node's endpoint for other nodes (CAF middleman, TLS through the openssl
// module unless turned off), the Ed25519 handshake (handshake.hpp), peer exchange, reconnects
// with backoff (dial_book.hpp), heartbeats, bans. Its interface is messages/peer.hpp.
#pragma once
#include <caf/fwd.hpp>

#include <memory>
#include <string>
#include <vector>

#include "config/options.hpp"
#include "config/peer_address.hpp"
#include "storage/identity.hpp"

namespace mantle {

class dial_book;

struct peer_actor_config {
  const node_identity* identity = nullptr; // outlives the actor (mantled's environment)
  config::host_port listen{"127.0.0.1", 4001};
  std::vector<config::peer_address> bootstrap;
  bool tls = true; // the system must have loaded openssl::manager with its files set
  // Known addresses, shared by every incarnation of the actor: after a restart it redials the
  // peers it had (their middleman may hold on to its previous handle). Null: a fresh book.
  std::shared_ptr<dial_book> book;
  // The port the endpoint was bound to, shared the same way: a restarted actor listens on the
  // same port even when `listen` says 0. Null: not kept.
  std::shared_ptr<uint16_t> bound_port;
};

// Event-based: every network step is an asynchronous request to the middleman actor.
caf::actor spawn_peer_actor(caf::actor_system& sys, peer_actor_config cfg);

} // namespace mantle
