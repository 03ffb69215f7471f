// The peer actor's interface (actors/peer). Atoms are in messages/node_types.hpp.
//
// Registry name "peer". What other actors use:
// - The local "exchange" actor (looked up in the registry at send time) gets peer_up once a
//   connection's handshake proved the remote node's Ed25519 identity, and peer_down when it
//   ends. remote_exchange is the remote node's "exchange" handle (invalid if it has none).
// - (peer_misbehaved_atom, peer_id, reason) to "peer": disconnect, ban for a while, and
//   (cut, peer_id) to the local "ledger" if one is registered.
// - (p_resend_atom) to "peer": peer_up again for every connected peer, sent to the sender
//   (for an exchange actor that restarted and lost its list).
// - The local "validator" gets the same peer_up / peer_down; it asks the remote peer actor
//   (p_lookup_atom, "validator") for the peer's validator (only names on an allowlist, and
//   only for authenticated sessions).
// - (p_list_atom) -> std::vector<peer_entry>; (p_connect_atom, addr) -> peer id (std::string)
//   once the handshake succeeded; (p_addrs_atom) -> std::vector<std::string> own multiaddrs.
#pragma once
#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

namespace mantle {

struct peer_up {
  std::string peer_id;
  caf::actor remote_exchange;
  caf::actor remote_peer; // the remote peer actor: (p_lookup_atom, "validator") -> its validator
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_up& x) {
  return f(caf::meta::type_name("mantle::peer_up"), x.peer_id, x.remote_exchange, x.remote_peer);
}

struct peer_down {
  std::string peer_id;
  std::string reason;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_down& x) {
  return f(caf::meta::type_name("mantle::peer_down"), x.peer_id, x.reason);
}

// One connected (authenticated) peer, for swarm/peers.
struct peer_entry {
  std::string peer_id;
  std::string addr;     // multiaddr without /p2p/: where it listens (outbound: what we dialed)
  bool inbound = false; // it connected to us
  uint32_t latency_ms = 0; // last heartbeat round trip
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_entry& x) {
  return f(caf::meta::type_name("mantle::peer_entry"), x.peer_id, x.addr, x.inbound, x.latency_ms);
}

// Registry name of the peer actor.
constexpr const char* peer_actor_name = "peer";

} // namespace mantle
