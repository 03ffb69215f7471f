// One node's view of the chain, as pure logic: it owns the consensus state machine, the chain
// store, the state, the mempool and the vote signer, and glues them together. The validator
// actor is a thin shell around it: it passes network messages and timer events in, and sends,
// schedules and publishes what comes out. No CAF, no threads, no clock (now_ms is injected), so
// several nodes can run in one test process under a deterministic scheduler.
//
// Life of a height h:
//   start / start_next(h)     consensus begins round 0 of h with the set the state elected
//   on_proposal, on_vote,     consensus runs; its broadcasts and timeouts come out as outputs
//   on_timeout
//   decide (inside)           the block goes to the chain store first (with its certificate and
//                             the tx receipts), then the state applies it, then the mempool drops
//                             its txs; out_committed reports it, out_next_height schedules h+1 at
//                             the block's time + block time
// A crash between the block store and the state commit is repaired on open(): blocks the state
// has not applied yet are replayed from the store (execution is deterministic).
//
// Catching up: peers announce their head (on_peer_status); a node behind asks for blocks
// (out_request_blocks) and on_blocks verifies each block's certificate against the set the
// state elected for that height, its links and body, and commits it like a decided one.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "actors/validator/chain_types.hpp"
#include "actors/validator/consensus_state.hpp"
#include "actors/validator/mempool.hpp"
#include "actors/validator/state_transition.hpp"
#include "config/genesis.hpp"
#include "storage/chain_store.hpp"
#include "storage/result.hpp"

namespace mantle {
class node_identity;
}

namespace mantle::chain {

struct chain_node_config {
  std::string dir;                      // chain data: <dir>/state, <dir>/blocks, <dir>/votes.wal
  genesis gen;                          // used when the state is empty; else must match it
  const node_identity* key = nullptr;   // consensus key (the node identity); outlives the node
  bool sign = true;                     // false: follow the chain, never vote
  bool durable = true;                  // fsync the vote log (tests may turn it off)
  std::function<uint64_t()> now_ms;     // wall clock, unix milliseconds
  size_t max_block_txs = 20000;
  size_t max_block_bytes = 8u << 20;
  uint64_t max_clock_drift_ms = 30000;  // a proposal's time may be this far ahead of ours
  mempool_limits pool;
  // Consensus timeouts; zero means derived from the genesis block time.
  uint64_t propose_timeout_ms = 0;
  // Test drills only (mantled allows it with --fault-injection 1): besides each honest vote,
  // sign and send a conflicting one, and besides each proposal a second, different block,
  // bypassing the vote log. Honest nodes must turn this into evidence and slash it.
  bool byzantine = false;
};

struct out_proposal {
  proposal p;
  std::string block_bytes;
};
struct out_vote {
  vote v;
};
struct out_txs {
  std::vector<std::string> txs; // new to this node: relay them
};
struct out_timeout {
  uint64_t height = 0;
  uint32_t round = 0;
  round_step step = round_step::propose;
  uint64_t delay_ms = 0;
};
struct out_next_height {
  uint64_t height = 0;
  uint64_t delay_ms = 0; // call start_next(height) after this
};
struct out_request_blocks {
  uint64_t from = 0;
};
struct out_status {
  uint64_t height = 0; // tell peers our new head
  std::string id;
};
struct out_committed {
  uint64_t height = 0;
  std::string id;
  uint64_t time_ms = 0;
  size_t txs = 0;
  size_t failed_txs = 0;
  std::vector<state_event> events;
  bool caught_up = false; // from a peer's blocks rather than our own consensus
};
using node_output = std::variant<out_proposal, out_vote, out_txs, out_timeout, out_next_height, out_request_blocks,
                                 out_status, out_committed>;
using node_outputs = std::vector<node_output>;

class chain_node {
public:
  // Opens (creating) the stores, writes genesis into an empty state, replays blocks the state
  // missed. A genesis that differs from the one the chain was started with is an error.
  static result<std::unique_ptr<chain_node>> open(chain_node_config cfg);
  ~chain_node();

  node_outputs start();
  node_outputs start_next(uint64_t height);
  node_outputs on_proposal(const proposal& p, std::string block_bytes);
  node_outputs on_vote(const vote& v);
  node_outputs on_timeout(uint64_t height, uint32_t round, round_step step);
  // A signed tx from a client or a peer. Returns its hash; a tx the node already has is not an
  // error (same hash, nothing relayed). New txs come out as out_txs for relaying.
  result<std::string> submit_tx(std::string bytes, node_outputs& out);
  node_outputs on_peer_status(uint64_t height);
  // Call every tick_ms(). While a height makes no progress, sends this node's proposal and
  // votes for it again: votes are broadcast once, so a peer that was down or partitioned when
  // they went out would otherwise never see them and the height could stall.
  node_outputs tick();
  uint64_t tick_ms() const { return std::max<uint64_t>(params_.block_time_ms, 1000); }
  // Pending txs in the order a block would take them (for a peer that just connected).
  std::vector<std::string> pending_txs(size_t max) const;
  // Blocks with their certificates (encoded), in height order from our head + 1.
  node_outputs on_blocks(const std::vector<std::pair<std::string, std::string>>& blocks, std::string* error = nullptr);
  // For peers catching up: encoded blocks and certificates from `from`.
  result<std::vector<std::pair<std::string, std::string>>> blocks_from(uint64_t from, size_t max_count,
                                                                       size_t max_bytes) const;

  // Signs a tx from `sender` with its next free nonce (state nonce + pending txs) and the
  // minimum fee, and submits it.
  result<std::string> sign_and_submit(const node_identity& sender, const tx_body& body, node_outputs& out);

  // The next nonce free for `sender`: its state nonce plus its txs waiting in the mempool.
  // UINT64_MAX when the account cannot be read.
  uint64_t next_nonce(const std::string& sender) const;
  // A snapshot of the committed state (raw table reads for the market and prover actors).
  result<std::unique_ptr<state_read>> read_state() const { return state_->begin_read(); }

  // Read-only views for RPC and CLI (JSON text, see chain_json in the .cpp for the fields).
  std::string head_json() const;
  result<std::string> block_json(uint64_t height) const;
  result<std::string> tx_json(const std::string& hash) const;
  result<std::string> account_json(const std::string& key) const;
  result<std::string> validators_json() const;
  result<std::string> era_json() const;

  const std::string& chain_id() const { return cfg_.gen.chain_id; }
  chain_head head() const { return head_; }
  const chain_params& params() const { return params_; }
  const validator_set& validators() const { return set_; }
  const consensus_state& consensus() const { return *cs_; }
  size_t mempool_size() const { return pool_.size(); }
  // Non-empty once the node cannot go on (a decided block could not be stored or applied: disk
  // full, corrupt state). The host stops; a restart replays from the stores.
  const std::string& fatal() const { return fatal_; }

private:
  chain_node(chain_node_config cfg);
  status replay();
  std::string make_block(uint64_t height, uint32_t round);
  status validate_block(std::string_view bytes, const block& b);
  void convert(consensus_actions&& acts, node_outputs& out);
  void equivocate(node_outputs& out);
  status commit(const block& b, std::string_view bytes, const commit_cert& cert, bool caught_up, node_outputs& out);
  uint64_t account_nonce(std::string_view sender) const;

  chain_node_config cfg_;
  chain_params params_;
  std::unique_ptr<state_db> state_;
  std::unique_ptr<chain_store> store_;
  std::unique_ptr<vote_signer> signer_;
  std::unique_ptr<consensus_state> cs_;
  mempool pool_;
  chain_head head_;
  uint64_t head_time_ms_ = 0;
  std::string state_root_;
  validator_set set_;      // for height head+1
  validator_set prev_set_; // that decided the head
  std::vector<evidence> pending_evidence_;
  uint64_t requested_from_ = 0; // last catch-up request (repeated only after a pause)
  uint64_t requested_at_ = 0;
  std::string fatal_;
  std::optional<out_proposal> own_proposal_; // last one, for tick()
  uint64_t ticked_height_ = 0;
  uint64_t ticks_ = 0;
  uint32_t ticked_round_ = 0;
};

} // namespace mantle::chain
