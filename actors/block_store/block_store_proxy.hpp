// A stand-in for the block-store actor that forwards every block-store message
// (messages/block_store.hpp) to the real one and relays the reply. Two uses:
//  - remote: a node configured with actors.block-store.remote runs it as its "blocks" child.
//    It connects asynchronously through the middleman to a `mantled --role block-store`,
//    monitors it, and when the connection is lost fails every pending request at once and
//    reconnects with backoff (reconnect_backoff) for as long as it takes, so a store that is
//    down for a while never burns the supervisor's restart limit. Meanwhile every request gets
//    a mantle "unavailable" error starting with "block store unavailable", never a hang.
//  - relay: `mantled --role block-store` publishes one on --listen and forwards to its local
//    supervised "blocks" child by registry name, so a restarted store is found again while
//    the published handle stays the same.
// Every forwarded request carries a timeout: a request to a lost remote actor would otherwise
// only end by its timeout (CAF-NOTES).
#pragma once
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace mantle {

struct block_store_proxy_config {
  // Remote mode when `remote_host` is set: connect to the actor published there.
  std::string remote_host;
  uint16_t remote_port = 0;
  // Relay mode otherwise: forward to the actor registered under this name in this process.
  std::string local_name = "blocks";
  // When set, the proxy publishes itself there through the middleman (relay mode).
  std::string publish_host;
  uint16_t publish_port = 0;
  // Reads, writes of one batch, sessions.
  std::chrono::milliseconds request_timeout{30000};
  // Pins (a recursive pin walks the whole DAG), pin listings and GC.
  std::chrono::milliseconds long_timeout{3000000};
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds first_retry{100};
  std::chrono::milliseconds max_retry{5000};
};

// The middleman must be loaded in `sys` for the remote mode and for publishing.
caf::actor spawn_block_store_proxy(caf::actor_system& sys, block_store_proxy_config cfg);

// The text every "the store cannot be reached" error starts with.
constexpr const char* block_store_unavailable = "block store unavailable";

} // namespace mantle
