// RPC commands over the credit ledger, CAF-free (the RPC front passes in how to ask the ledger):
//   bitswap/ledger?arg=<peer>  Kubo's answer: {"Peer","Value" (debt ratio),"Sent","Recv","Exchanged"};
//                              a peer never seen gets zeros, as in Kubo.
//   mantle/credit/ls           every known peer: {"Peers":[{"Peer","Sent","Recv","Ratio",
//                              "Exchanged","Trusted","Cut"}]}, sorted by peer id.
// Ratios are computed here from the byte counts (they never cross processes as floats).
#pragma once
#include <functional>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "net/router.hpp"
#include "storage/credit_store.hpp"
#include "storage/result.hpp"

namespace mantle {

// Fetches the ledger's entries; an error (ledger not running, timeout) becomes the RPC error.
using ledger_source = std::function<result<std::vector<ledger_entry>>()>;

nlohmann::json kubo_ledger_json(const std::string& peer, const std::vector<ledger_entry>& entries);
nlohmann::json credit_list_json(const std::vector<ledger_entry>& entries);

// Command names, for route registration and the metrics labeller.
std::vector<std::string> credit_rpc_commands();
void add_credit_rpc(router& routes, ledger_source source);

} // namespace mantle
