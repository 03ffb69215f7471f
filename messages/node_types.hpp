// The one place where Mantle's atoms are declared, and the registration of every message type.
// Atoms are at most 10 characters. Add a message type to register_types() in node_types.cpp
// when you add its header here; every node must register the same types under the same names.
#pragma once
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

namespace mantle {

// Generic requests.
using get_atom = caf::atom_constant<caf::atom("get")>;
using put_atom = caf::atom_constant<caf::atom("put")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using pong_atom = caf::atom_constant<caf::atom("pong")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;

// Supervisor (messages/supervisor.hpp).
using whereis_atom = caf::atom_constant<caf::atom("whereis")>;   // (whereis, name) -> actor
using children_atom = caf::atom_constant<caf::atom("children")>; // -> supervisor_stats
using stop_tmo_atom = caf::atom_constant<caf::atom("stoptmo")>;  // internal: child stop timeout

// Block exchange (messages/exchange.hpp).
using fetch_atom = caf::atom_constant<caf::atom("fetch")>;         // (fetch, cid, timeout_ms) -> bytes
using fetch_dag_atom = caf::atom_constant<caf::atom("fetch_dag")>; // (fetch_dag, cid, timeout_ms) -> blocks
using fetch_tmo_atom = caf::atom_constant<caf::atom("fetch_tmo")>; // internal: a fetch's deadline
using xch_tick_atom = caf::atom_constant<caf::atom("xch_tick")>;   // internal: slow-peer and DAG checks
// The exchange asks and tells "ledger" (may_serve, record: see the credit ledger section);
// peer_misbehaved_atom and p_resend_atom: see the peer transport section.
// Peer transport (messages/peer.hpp, actors/peer). p_* travel between peer actors.
using peer_misbehaved_atom = caf::atom_constant<caf::atom("misbehaved")>; // (misbehaved, peer_id, reason) to "peer"
using p_hello_atom = caf::atom_constant<caf::atom("p_hello")>;     // handshake step 1
using p_welcome_atom = caf::atom_constant<caf::atom("p_welcome")>; // handshake step 2 (reply)
using p_proof_atom = caf::atom_constant<caf::atom("p_proof")>;     // handshake step 3
using p_ok_atom = caf::atom_constant<caf::atom("p_ok")>;           // handshake done (reply)
using p_peers_atom = caf::atom_constant<caf::atom("p_peers")>;     // peer exchange: -> vector<string>
using p_bye_atom = caf::atom_constant<caf::atom("p_bye")>;         // (p_bye, reason): session ends
using p_tick_atom = caf::atom_constant<caf::atom("p_tick")>;       // internal timer
using p_list_atom = caf::atom_constant<caf::atom("p_list")>;       // local: -> vector<peer_entry>
using p_connect_atom = caf::atom_constant<caf::atom("p_connect")>; // local: (p_connect, addr) -> peer id
using p_addrs_atom = caf::atom_constant<caf::atom("p_addrs")>;     // local: -> vector<string> own addresses
using p_resend_atom = caf::atom_constant<caf::atom("p_resend")>;   // local: peer_up again for every peer
// Block-store proxy (actors/block_store/block_store_proxy): internal reconnect timer.
using bsp_retry_atom = caf::atom_constant<caf::atom("bsp_retry")>;
// Credit ledger (messages/credit.hpp).
using record_atom = caf::atom_constant<caf::atom("record")>;         // (record, peer, sent, received)
using may_serve_atom = caf::atom_constant<caf::atom("may_serve")>;   // (may_serve, peer, bytes) -> bool
using ledger_atom = caf::atom_constant<caf::atom("ledger")>;         // (ledger) -> vector<ledger_entry>
using cut_atom = caf::atom_constant<caf::atom("cut")>;               // (cut, peer)
using cr_flush_atom = caf::atom_constant<caf::atom("cr_flush")>;     // internal: save changed counters
using cr_release_atom = caf::atom_constant<caf::atom("cr_release")>; // internal: rate queue turn
using cr_trust_atom = caf::atom_constant<caf::atom("cr_trust")>;     // internal: refresh chain trust

// Validator (messages/validator.hpp).
using chain_blocks_atom = caf::atom_constant<caf::atom("ch_blocks")>; // (ch_blocks, from, max) -> chain_block_batch
using chain_head_atom = caf::atom_constant<caf::atom("ch_head")>;
using chain_block_atom = caf::atom_constant<caf::atom("ch_block")>;
using chain_tx_atom = caf::atom_constant<caf::atom("ch_tx")>;
using chain_acct_atom = caf::atom_constant<caf::atom("ch_acct")>;
using chain_vals_atom = caf::atom_constant<caf::atom("ch_vals")>;
using chain_era_atom = caf::atom_constant<caf::atom("ch_era")>;
using chain_submit_atom = caf::atom_constant<caf::atom("ch_submit")>;
using acct_new_atom = caf::atom_constant<caf::atom("acct_new")>;
using acct_list_atom = caf::atom_constant<caf::atom("acct_list")>;
using ch_timeout_atom = caf::atom_constant<caf::atom("ch_tmo")>;   // internal: consensus timeout
using ch_next_atom = caf::atom_constant<caf::atom("ch_next")>;     // internal: start the next height
using ch_tick_atom = caf::atom_constant<caf::atom("ch_tick")>;     // internal: periodic re-send
// Peer actor: (p_lookup_atom, name) -> actor, for an authenticated peer's validator.
using p_lookup_atom = caf::atom_constant<caf::atom("p_lookup")>;
// Market and prover (messages/market.hpp).
using chain_read_atom = caf::atom_constant<caf::atom("ch_read")>;    // (ch_read, keys) -> chain_read_reply
using chain_scan_atom = caf::atom_constant<caf::atom("ch_scan")>;    // (ch_scan, prefix, after, limit) -> chain_scan_reply
using chain_nonce_atom = caf::atom_constant<caf::atom("ch_nonce")>;  // (ch_nonce, key) -> uint64_t next free nonce
using prover_add_atom = caf::atom_constant<caf::atom("prv_add")>;    // (prv_add, cid, size)
using prover_drop_atom = caf::atom_constant<caf::atom("prv_drop")>;  // (prv_drop, cid)
using prover_status_atom = caf::atom_constant<caf::atom("prv_stat")>;
using market_status_atom = caf::atom_constant<caf::atom("mkt_stat")>;
using mkt_tick_atom = caf::atom_constant<caf::atom("mkt_tick")>;     // internal: the market's rescan timer
using mkt_verify_atom = caf::atom_constant<caf::atom("mkt_verify")>; // internal: (mkt_verify, cid) -> size, root
using prover_done_atom = caf::atom_constant<caf::atom("prv_done")>;  // internal: (prv_done, job id) a worker finished
using prover_tick_atom = caf::atom_constant<caf::atom("prv_tick")>;  // internal: look at the chain again

// Supervisor additions (messages/supervisor.hpp) and actor introspection.
using restart_atom = caf::atom_constant<caf::atom("restart")>; // (restart, name) to the supervisor -> ok
using mbox_atom = caf::atom_constant<caf::atom("mbox")>;       // (mbox) to any node actor -> uint64_t queued messages
// Remote console (messages/console.hpp).
using con_hello_atom = caf::atom_constant<caf::atom("con_hello")>;
using con_auth_atom = caf::atom_constant<caf::atom("con_auth")>;
using con_cmd_atom = caf::atom_constant<caf::atom("con_cmd")>;
using con_watch_atom = caf::atom_constant<caf::atom("con_watch")>;
using con_unwatch_atom = caf::atom_constant<caf::atom("con_unwch")>;
// Plugin host and the order-policy hook (messages/plugin.hpp).
using plg_load_atom = caf::atom_constant<caf::atom("plg_load")>;
using plg_unload_atom = caf::atom_constant<caf::atom("plg_unload")>;
using plg_list_atom = caf::atom_constant<caf::atom("plg_list")>;
using mkt_ask_atom = caf::atom_constant<caf::atom("mkt_ask")>;
// Plugin host internals (actors/plugin_host).
using plg_retry_atom = caf::atom_constant<caf::atom("plg_retry")>; // internal: (plg_retry, name, generation) restart after backoff
using plg_stop_atom = caf::atom_constant<caf::atom("plg_stop")>;
using bitswap_atom = caf::atom_constant<caf::atom("bitswap")>; // (bitswap) -> exchange_status   // internal: (plg_stop, name, generation) stop timeout

void register_types(caf::actor_system_config& cfg);

} // namespace mantle
