// The block exchange: messages exchange actors of different nodes send each other (Bitswap 1.2
// semantics as typed CAF messages) and the local API the node uses to fetch blocks it lacks.
//
// Between nodes (the sender is identified by its handle, learnt from the peer actor's peer_up,
// never by anything written in a message):
//   want_have  -> have / dont_have         "do you have these blocks?"
//   want_block -> block_msg / dont_have    "send me these blocks"
//              / not_now                   "I have them, but my credit ledger will not serve
//                                           you now": ask again later (throttling, not absence)
//   cancel                                  "forget my want-have / want-block for these"
// Local API of the "exchange" actor:
//   (fetch_atom, cid, uint64_t timeout_ms)     -> std::string  block bytes, verified and stored
//   (fetch_dag_atom, cid, uint64_t timeout_ms) -> uint64_t     blocks fetched; the whole DAG
//        below cid is then in the local block store. timeout_ms bounds the time without any
//        progress. timeout_ms = 0 means the node's fetch-timeout for both.
//   (fetch_dag_atom, cid)                      -> uint64_t fetched, uint64_t known   progress of
//        the running DAG fetches of cid (blocks fetched from peers, blocks discovered so far)
//   (stats_atom)                               -> exchange_stats
//   (bitswap_atom)                             -> exchange_status  counters, peers, wantlist
// Errors: errc::not_found when no connected peer has a block, errc::unavailable on a timeout,
// both naming the CID.
#pragma once
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "messages/block_store.hpp"
#include "messages/node_types.hpp"
#include "storage/cid.hpp"

namespace mantle {

// Name under which the node registers its exchange actor.
constexpr const char* exchange_name = "exchange";

struct want_have {
  std::vector<cid> cids;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, want_have& x) {
  return f(caf::meta::type_name("mantle::want_have"), x.cids);
}

struct want_block {
  std::vector<cid> cids;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, want_block& x) {
  return f(caf::meta::type_name("mantle::want_block"), x.cids);
}

struct have {
  std::vector<cid> cids;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, have& x) {
  return f(caf::meta::type_name("mantle::have"), x.cids);
}

struct dont_have {
  std::vector<cid> cids;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dont_have& x) {
  return f(caf::meta::type_name("mantle::dont_have"), x.cids);
}

// In answer to a want_block: the sender has these blocks but its credit ledger refused to
// serve them for now (debt ratio, serve-rate queue full, or the ledger restarting). The
// receiver asks again after a backoff instead of treating the blocks as absent.
struct not_now {
  std::vector<cid> cids;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, not_now& x) {
  return f(caf::meta::type_name("mantle::not_now"), x.cids);
}

// One block in answer to a want_block. The receiver hashes `data` and compares with `id`
// before storing anything.
struct block_msg {
  cid id;
  std::string data;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, block_msg& x) {
  return f(caf::meta::type_name("mantle::block_msg"), x.id, x.data);
}

struct cancel {
  std::vector<cid> cids;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cancel& x) {
  return f(caf::meta::type_name("mantle::cancel"), x.cids);
}

struct exchange_stats {
  uint64_t peers = 0;
  uint64_t wants = 0;          // blocks being fetched
  uint64_t blocks_sent = 0;
  uint64_t bytes_sent = 0;
  uint64_t blocks_received = 0; // verified and stored
  uint64_t bytes_received = 0;
  uint64_t rejected = 0;        // wrong or unrequested blocks
  uint64_t refused_msgs = 0;    // want messages over the serving limits, dropped
  uint64_t deferred = 0;        // want-blocks answered not_now (the credit ledger said not yet)
  uint64_t dup_blocks = 0;      // verified copies of blocks that had already arrived
  uint64_t dup_bytes = 0;
  uint64_t messages_received = 0; // exchange messages from connected peers
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exchange_stats& x) {
  return f(caf::meta::type_name("mantle::exchange_stats"), x.peers, x.wants, x.blocks_sent,
           x.bytes_sent, x.blocks_received, x.bytes_received, x.rejected, x.refused_msgs,
           x.deferred, x.dup_blocks, x.dup_bytes, x.messages_received);
}

// Answer to (bitswap_atom): the counters, the connected peers and the blocks being fetched,
// for RPC bitswap/stat and bitswap/wantlist.
struct exchange_status {
  exchange_stats stats;
  std::vector<std::string> peers; // sorted
  std::vector<cid> wantlist;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exchange_status& x) {
  return f(caf::meta::type_name("mantle::exchange_status"), x.stats, x.peers, x.wantlist);
}

} // namespace mantle
