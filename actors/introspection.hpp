// The mailbox probe every node actor answers: (mbox_atom) -> uint64_t, the messages waiting in
// its mailbox, for the console's `tree` and the dashboard. Wrap an actor's behavior once:
//   return with_mailbox_probe(self, { ...handlers... });
// The size is read by the actor itself while it handles the probe: CAF's inbox may only be
// drained by its owner, so nobody else can read it safely. A busy actor answers late, which
// is what callers see as "busy" (they ask with a short timeout).
#pragma once
#include <cstdint>

#include <caf/behavior.hpp>
#include <caf/message_handler.hpp>

#include "messages/node_types.hpp"

namespace mantle {

template <class Self>
caf::behavior with_mailbox_probe(Self* self, caf::behavior bhvr) {
  caf::message_handler probe{[self](mbox_atom) -> uint64_t { return self->mailbox().size(); }};
  return probe.or_else(std::move(bhvr));
}

} // namespace mantle
