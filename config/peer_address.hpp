// Where a peer listens, as operators write it: "host:port", "[::1]:4001", or a libp2p-style
// multiaddr "/ip4/10.0.0.2/tcp/4001/p2p/12D3KooW..." whose /p2p/ part names the node the
// connection must reach (the handshake refuses any other). No CAF, no I/O.
#pragma once
#include <string>
#include <string_view>
#include <vector>
#include "config/options.hpp"
#include "storage/result.hpp"

namespace mantle::config {

struct peer_address {
  host_port addr;
  std::string peer_id; // base58btc peer id the other side must prove; empty = any node
  // Multiaddr form: /ip4|ip6|dns/<host>/tcp/<port>[/p2p/<id>].
  std::string multiaddr() const;
  bool operator==(const peer_address& o) const { return addr == o.addr && peer_id == o.peer_id; }
};

// Accepts host:port or a multiaddr (ip4, ip6, dns, dns4, dns6; tcp; optional p2p). The port
// must not be 0; a /p2p/ id must parse as a peer id and is returned in base58btc.
result<peer_address> parse_peer_address(std::string_view text);
// Comma-separated list of the above; blanks are dropped, duplicates kept once.
result<std::vector<peer_address>> parse_peer_address_list(std::string_view text);

// "on"/"off" (also true/false, yes/no, 1/0), case-insensitive.
result<bool> parse_switch(std::string_view text);

} // namespace mantle::config
