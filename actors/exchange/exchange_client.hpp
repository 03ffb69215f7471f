// Blocking access to the exchange's counters, peers and wantlist for threads outside the actor
// system (the HTTP front's connection threads): one request from a scoped actor, resolved by
// registry name on every call so a restarted exchange is found.
#pragma once
#include <caf/fwd.hpp>

#include <chrono>
#include <string>

#include "net/exchange_rpc.hpp"

namespace mantle {

bitswap_source exchange_client(caf::actor_system& sys, std::string name = "exchange",
                               std::chrono::milliseconds timeout = std::chrono::seconds(10));

} // namespace mantle
