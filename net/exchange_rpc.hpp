// RPC commands over the block exchange, CAF-free (the RPC front passes in how to ask the
// exchange actor), with Kubo's answers:
//   bitswap/stat      {"BlocksReceived","BlocksSent","DataReceived","DataSent","DupBlksReceived",
//                      "DupDataReceived","MessagesReceived","Peers":[peer id],"ProvideBufLen",
//                      "Wantlist":[{"/":cid}]}; ProvideBufLen is always 0 (no DHT providing)
//   bitswap/wantlist  {"Keys":[{"/":cid}]}: the blocks this node is fetching. Kubo's --peer
//                      (what a partner wants from us) is refused with a clear error.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "net/router.hpp"
#include "storage/cid.hpp"
#include "storage/result.hpp"

namespace mantle {

struct bitswap_status {
  uint64_t blocks_received = 0, data_received = 0;
  uint64_t blocks_sent = 0, data_sent = 0;
  uint64_t dup_blocks = 0, dup_data = 0;
  uint64_t messages_received = 0;
  uint64_t rejected = 0; // wrong or unrequested blocks (not in Kubo's answer; metrics)
  uint64_t deferred = 0; // want-blocks answered not_now (not in Kubo's answer; metrics)
  std::vector<std::string> peers;
  std::vector<cid> wantlist;
};

// Asks the exchange; an error (not running, timeout) becomes the RPC error.
using bitswap_source = std::function<result<bitswap_status>()>;

nlohmann::json bitswap_stat_json(const bitswap_status& s);
nlohmann::json bitswap_wantlist_json(const bitswap_status& s);

// Command names, for route registration and the metrics labeller.
std::vector<std::string> exchange_rpc_commands();
void add_exchange_rpc(router& routes, bitswap_source source);

} // namespace mantle
