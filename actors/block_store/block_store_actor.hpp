// The block-store actor: a thin shell that moves messages to a block_store (LMDB). LMDB calls
// block, so it is spawned detached. The store itself is opened once by the node and shared
// with every incarnation of the actor: LMDB forbids opening one environment twice in a
// process, and a restart should not have to wait for the old incarnation's destructor.
#pragma once
#include <caf/fwd.hpp>

#include <memory>

namespace mantle {

class block_store;

caf::actor spawn_block_store_actor(caf::actor_system& sys, std::shared_ptr<block_store> store);

} // namespace mantle
