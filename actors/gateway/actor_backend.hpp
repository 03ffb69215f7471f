// node_backend over actors: each call is a request from a scoped (blocking) actor on the
// calling HTTP thread to the block-store actor, re-resolved per call so a restarted store is
// found by name.
#pragma once
#include <caf/fwd.hpp>

#include <functional>
#include <memory>
#include <string>

#include "net/node_backend.hpp"

namespace mantle {

using actor_resolver = std::function<caf::actor()>;

class block_store;

// Looks `name` up in the actor registry on every call (supervised children re-register there
// under a new handle after each restart).
actor_resolver registry_resolver(caf::actor_system& sys, const std::string& name);

// `local` (optional) is the block store of this process: block reads then go straight to its
// LMDB snapshot from the calling thread (readers never block the writer, nor each other),
// while writes, pins and GC stay serialized through the block-store actor. Without it every
// call is a message, which is what a store in another process needs.
std::unique_ptr<node_backend> make_actor_backend(caf::actor_system& sys, actor_resolver store,
                                                 peer_info id,
                                                 std::shared_ptr<block_store> local = nullptr);

} // namespace mantle
