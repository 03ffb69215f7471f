// Blocking access to the credit ledger for threads outside the actor system (the HTTP
// front's connection threads): one request from a scoped actor, resolved by registry name on
// every call so a restarted ledger is found.
#pragma once
#include <caf/fwd.hpp>

#include <chrono>
#include <string>

#include "net/credit_rpc.hpp"

namespace mantle {

ledger_source ledger_client(caf::actor_system& sys, std::string name = "ledger",
                            std::chrono::milliseconds timeout = std::chrono::seconds(10));

} // namespace mantle
