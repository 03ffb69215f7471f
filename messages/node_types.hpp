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

// Credit ledger (messages/credit.hpp).
using record_atom = caf::atom_constant<caf::atom("record")>;         // (record, peer, sent, received)
using may_serve_atom = caf::atom_constant<caf::atom("may_serve")>;   // (may_serve, peer, bytes) -> bool
using ledger_atom = caf::atom_constant<caf::atom("ledger")>;         // (ledger) -> vector<ledger_entry>
using cut_atom = caf::atom_constant<caf::atom("cut")>;               // (cut, peer)
using cr_flush_atom = caf::atom_constant<caf::atom("cr_flush")>;     // internal: save changed counters
using cr_release_atom = caf::atom_constant<caf::atom("cr_release")>; // internal: rate queue turn

void register_types(caf::actor_system_config& cfg);

} // namespace mantle
