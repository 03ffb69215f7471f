// The peer actor's messages to the local exchange actor (issue 4 contract; owned by the peer
// transport). The exchange identifies a peer's messages by the handle given here.
#pragma once
#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <string>

namespace mantle {

// Sent once a connection's handshake proved the remote node's Ed25519 identity.
struct peer_up {
  std::string peer_id;
  caf::actor remote_exchange; // the remote node's "exchange" actor
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_up& x) {
  return f(caf::meta::type_name("mantle::peer_up"), x.peer_id, x.remote_exchange);
}

struct peer_down {
  std::string peer_id;
  std::string reason;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_down& x) {
  return f(caf::meta::type_name("mantle::peer_down"), x.peer_id, x.reason);
}

} // namespace mantle
