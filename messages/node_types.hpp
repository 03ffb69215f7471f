// The one place where Mantle's atoms are declared, and the registration of every message type.
// Atoms are at most 10 characters. Add a message type to register_types() in node_types.cpp
// when you add its header here; every node must register the same types under the same names.
#pragma once
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

namespace mantle {

// Generic requests.
using get_atom = caf::atom_constant<caf::atom("get")>;
using put_atom = caf::atom_constant<caf::atom("put")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using pong_atom = caf::atom_constant<caf::atom("pong")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;

// Supervisor (messages/supervisor.hpp).
using whereis_atom = caf::atom_constant<caf::atom("whereis")>;   // (whereis, name) -> actor
using children_atom = caf::atom_constant<caf::atom("children")>; // -> supervisor_stats
using stop_tmo_atom = caf::atom_constant<caf::atom("stoptmo")>;  // internal: child stop timeout

// Block exchange (messages/exchange.hpp).
using fetch_atom = caf::atom_constant<caf::atom("fetch")>;         // (fetch, cid, timeout_ms) -> bytes
using fetch_dag_atom = caf::atom_constant<caf::atom("fetch_dag")>; // (fetch_dag, cid, timeout_ms) -> blocks
using fetch_tmo_atom = caf::atom_constant<caf::atom("fetch_tmo")>; // internal: a fetch's deadline
using xch_tick_atom = caf::atom_constant<caf::atom("xch_tick")>;   // internal: slow-peer and DAG checks
// Peer transport and credit ledger, as the issue 4 contract names them (messages/peer.hpp,
// messages/credit.hpp): the exchange reports a bad peer to "peer" and asks/tells "ledger".
using peer_misbehaved_atom = caf::atom_constant<caf::atom("misbehaved")>; // (_, peer_id, reason)
using p_resend_atom = caf::atom_constant<caf::atom("p_resend")>;          // to "peer": peer_up again for every peer
using may_serve_atom = caf::atom_constant<caf::atom("may_serve")>;        // (_, peer_id, bytes) -> bool
using record_atom = caf::atom_constant<caf::atom("record")>;              // (_, peer_id, sent, received)

void register_types(caf::actor_system_config& cfg);

} // namespace mantle
