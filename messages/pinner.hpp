// The pinner actor's interface (Pinning Service API background queue). Fire-and-forget:
//   (psa_wake_atom)  a request was queued or replaced: run a pass now
//   (psa_tick_atom)  its own timer (retry interval); not for other senders
#pragma once
#include <caf/atom.hpp>

namespace mantle {

using psa_wake_atom = caf::atom_constant<caf::atom("psa_wake")>;
using psa_tick_atom = caf::atom_constant<caf::atom("psa_tick")>;

// Name under which the supervisor registers the pinner (mantled's child list).
constexpr const char* pinner_name = "pinner";

} // namespace mantle
