// `mantle bitswap stat` / `mantle bitswap wantlist`: the node's RPC answers printed the way
// `ipfs bitswap stat` and `ipfs bitswap wantlist` print Kubo's.
#pragma once
#include <string>
#include <nlohmann/json.hpp>

namespace mantle::cli {

// "bitswap status" and tab-indented counters, the wantlist's CIDs, the partner count (and,
// with `verbose`, the partners). Byte counts are exact, as Kubo's without --human.
std::string format_bitswap_stat(const nlohmann::json& stat, bool verbose);
// One CID per line.
std::string format_bitswap_wantlist(const nlohmann::json& wantlist);

} // namespace mantle::cli
