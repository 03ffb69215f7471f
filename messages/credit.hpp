// The credit ledger's interface (registry name "ledger"; atoms in messages/node_types.hpp):
//
//   anon_send(ledger, record_atom::value, peer_id, uint64_t sent, uint64_t received)
//       Deltas of bytes this node sent to / received from the peer; one call per block
//       exchanged (each call with a non-zero delta counts as one exchange, Kubo's "Exchanged").
//   request(ledger, timeout, may_serve_atom::value, peer_id, uint64_t bytes) -> bool
//       Whether to serve `bytes` to the peer now. true: serve. false: refused by the debt-ratio
//       policy or because the peer's credit was cut. The reply may be delayed while the peer
//       is over its rate (serve-rate); requests wait in a fair per-peer queue and are answered
//       in turn, never dropped. A full queue answers at once with a mantle error (unavailable,
//       "refused: queue full"). Callers use a timeout and treat a timeout or error as "serve"
//       only for trusted peers.
//   request(ledger, timeout, ledger_atom::value) -> std::vector<ledger_entry>
//       Every known peer, sorted by peer id (recorded, trusted or cut ones).
//   anon_send(ledger, cut_atom::value, peer_id)
//       The peer misbehaved (sent a wrong block): never served again until this node restarts;
//       its queued requests are answered false at once.
//
// Peer ids are the text form the peer actor uses ("12D3KooW..."). Nothing here carries a
// floating-point value: the ratio is derived from the byte counts where it is shown.
#pragma once
#include <caf/meta/type_name.hpp>

#include <string>
#include <vector>

#include "messages/node_types.hpp"
#include "storage/credit_store.hpp"

namespace mantle {

// Registry name of the credit ledger (a supervised child of mantled).
constexpr const char* credit_ledger_name = "ledger";

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_entry& x) {
  return f(caf::meta::type_name("mantle::ledger_entry"), x.peer_id, x.sent, x.received, x.trusted,
           x.exchanged, x.cut, x.refused, x.unit);
}

} // namespace mantle
