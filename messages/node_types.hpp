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

// Block-store proxy (actors/block_store/block_store_proxy): internal reconnect timer.
using bsp_retry_atom = caf::atom_constant<caf::atom("bsp_retry")>;

void register_types(caf::actor_system_config& cfg);

} // namespace mantle
