// `mantle credit`: the node's credit ledger (RPC mantle/credit/ls) as an aligned text table.
#pragma once
#include <string>
#include <nlohmann/json.hpp>

namespace mantle::cli {

// One line per peer under a header: PEER SENT RECV RATIO EXCHANGED STATUS, where STATUS is
// "trusted", "cut" or "-". Byte counts are exact; the ratio has two decimals.
std::string format_credit_table(const nlohmann::json& list);

} // namespace mantle::cli
