// node_backend over actors: each call is a request from a scoped (blocking) actor on the
// calling HTTP thread to the block-store actor, re-resolved per call so a restarted store is
// found by name.
#pragma once
#include <caf/fwd.hpp>

#include <functional>
#include <memory>

#include "net/node_backend.hpp"

namespace mantle {

using actor_resolver = std::function<caf::actor()>;

std::unique_ptr<node_backend> make_actor_backend(caf::actor_system& sys, actor_resolver store,
                                                 peer_info id);

} // namespace mantle
