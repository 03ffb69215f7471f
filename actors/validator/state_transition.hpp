// The deterministic state transition of the Mantle chain: genesis, the mempool's check_tx, and
// block execution (transactions, double-sign slashing, era rewards and GPoS elections) over the
// LMDB state of storage/state_db.hpp. Pure C++, no CAF, no clock, no randomness: the same state
// and the same block give the same bytes and the same state root on every node.
//
// How the validator actor uses it:
//   auto db = state_db::open(dir);                       // once
//   if (!db->head()->initialized) init_genesis(*db, genesis);
//   check_tx(*db, bytes)                                 // mempool admission (committed state)
//   execute_block(*db, ctx, block.txs) -> execution      // validate a proposal: read outcome(),
//       compare outcome().state_root with the next block's header, then abort() (or drop it)
//   apply_block(*db, ctx, block.txs)                     // a decided block: execute + commit
// A block at height h carries in header.state_root the root after h-1, i.e. db.head()->root
// before h executes (genesis root for h = 1); outcome().state_root goes into block h+1.
// block_context for block b: {b.header.height, b.header.time_ms, b.header.proposer, node keys
// of b.evidence_list that verify_evidence accepted against the set of their height}.
// Only one execution may be pending at a time (LMDB has one writer); commit or abort it before
// the next, and on the thread that started it (an LMDB write transaction belongs to its
// thread): in an actor, execute and commit/abort inside one message handler, or run the state
// in a detached actor. Committed blocks are durable (LMDB fsync at commit); an aborted or
// crashed one leaves no trace.
//
// Rules (params come from genesis, config/genesis.hpp):
// - Transactions (actors/validator/tx.hpp): a tx executes when its signature is valid for the
//   chain id, its fee ≥ min_fee (work reports and storage proofs sent by a registered node key
//   may pay less, even 0), its nonce equals the sender's and the sender can pay the fee.
//   It then pays the fee into the era's staking pot, bumps the nonce and runs its body. A tx that
//   fails at ANY step (decode, signature, nonce, funds, its body's rules, overflow) changes
//   nothing at all, not even fee or nonce, and gets a receipt {ok=false, reason}; the block stays
//   valid. (Spam of failing txs is kept out of blocks by check_tx and the mempool.)
// - Staking: bond moves balance to bonded; an account's bonded funds are its own stake (as a
//   candidate) except what it lends to guarantees (at most max_guarantee_targets targets, each
//   a candidate, never itself). unbond takes from the own part into a chunk released
//   unbonding_blocks later; withdraw_unbonded pays released chunks back to the balance.
// - register_node binds a node key to the sender (the node signs register_node_sign_bytes);
//   validate(commission, node key) makes the sender a candidate with that registered node as
//   its consensus key; chill withdraws the candidacy.
// - GPoS: a candidate's stake limit = storage power of its owner's nodes × stake_per_gib / 2^30.
//   With T = own stake + all guarantees on it, each stake s counts as effective
//   s × min(1, limit / T) (floored). At the end of every block whose height is a multiple of
//   era_blocks the era closes: rewards are paid (below), then the top validator_count
//   candidates by total effective stake (ties: lower owner key first) become the validator set
//   for the next height, each with voting power = its total effective stake, and their
//   exposures (who backs them with what) are fixed for the new era. If no candidate has any
//   effective stake the old set stays.
// - Era reward R = pot + inflation_per_era (fees, slashed funds and the market's share collect
//   in the pot). author_share_ppm of R goes to the authors of the era's blocks in proportion to
//   the blocks each proposed (counted per owner of the proposing node); the rest to the elected
//   validators in proportion to their exposure's total; of a validator's part, commission_ppm
//   goes to the validator first, the remainder is split between its own stake and its
//   guarantors pro rata. All shares are floored; the dust stays in the pot for the next era.
//   Rewards go to free balances. Validators slashed in the era get nothing from it.
// - Slashing: each offender (a node key in block_context.offenders, the host verified the
//   evidence) is slashed once per era: slash_ppm of its owner's own bonded stake, of its
//   unbonding chunks not yet released, and of every guarantee on it goes to the pot; its
//   candidacy is removed (chilled), so it leaves the set at the next era boundary, and it
//   cannot validate again until the era ends.
// - Units are u64 base units; every sum is checked, an overflow fails the tx (or the block when
//   the era logic would overflow, which total issuance ≤ u64 max rules out).
// - Storage market (issue #6): tx types 16..19 and the slot-boundary steps (first block of
//   every slot, after slashing, before the txs) are actors/market/market_rules.hpp; an order's
//   staking share is scheduled for later eras and joins era.pot when its era opens (right after
//   the era close above). Funds held by the market (pot schedule, reserve, files' pools and
//   prepaid) stay part of the issuance. Work reports set storage power; a node that never
//   reports keeps the power it has (genesis).
// - Extending: a new tx type gets its handler in state_transition.cpp's executor, which holds
//   the tables, the params, the block height and the era record.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/validator/chain_types.hpp"
#include "actors/validator/state_tables.hpp"
#include "actors/validator/tx.hpp"
#include "config/genesis.hpp"
#include "storage/result.hpp"
#include "storage/state_db.hpp"

namespace mantle::chain {

struct block_context {
  uint64_t height = 0;                // must be the state's height + 1
  uint64_t time_ms = 0;               // header time (kept for issue #6; not used by these rules)
  std::string proposer_node_key;      // header.proposer
  std::vector<std::string> offenders; // node keys with verified double-sign evidence in this block
  std::string prev_hash;              // header.prev_hash (32 zero bytes at height 1): slot hashes
};

struct tx_receipt {
  std::string hash; // tx_hash of the bytes
  bool ok = false;
  std::string reason; // empty when ok
};

enum class event_kind : uint8_t {
  slash = 1,
  era_change = 2,
  validator_set_change = 3,
  order_live = 4,   // subject: cid; a pending file got its first proven replica
  replica_lost = 5, // subject: node key; text names the cid
  report = 6,       // subject: node key; amount: its storage power; a work report was accepted
};
// The event's name, which the validator publishes as the node event's kind: "slash", ...,
// "order_live", "replica_lost", and "work_report" for event_kind::report.
const char* to_string(event_kind k);

struct state_event {
  event_kind kind = event_kind::era_change;
  uint64_t era = 0;     // era the event closes or happens in
  std::string subject;  // slash: offender's owner account; market kinds: see event_kind; else empty
  uint64_t amount = 0;  // slash: base units slashed; era_change: reward paid out; report: power
  std::string text;     // one line for logs and the event stream
};

struct block_outcome {
  uint64_t height = 0;
  std::string state_root; // goes into the header of block height+1
  std::vector<tx_receipt> receipts; // one per tx, in block order
  std::vector<state_event> events;
  validator_set next_validators; // the set for height+1
  bool validators_changed = false;
  size_t failed_txs() const;
};

// What the mempool needs to order and bound txs.
struct tx_info {
  std::string hash;
  std::string sender;
  uint64_t nonce = 0;
  uint64_t fee = 0;
  size_t size = 0;
};

// Writes genesis as height 0 and commits. Returns the genesis state root. Refuses a store that
// already holds a chain, and a genesis whose validators have no effective stake.
result<std::string> init_genesis(state_db& db, const genesis& g);

// Mempool admission against the committed state: decodes under the chain's limits, knows the
// type and its arguments, checks the signature, fee ≥ min_fee, nonce ≥ account nonce and
// balance ≥ fee (+ amount for transfer and bond). A tx with exactly the account's nonce is also
// dry-run (in memory, nothing written) as if in block `next_height`, and refused if it would
// fail ("would fail: unbond: only 0 base units are bonded ..."): a failing tx pays nothing, so
// it must not reach a block. Later nonces cannot be dry-run (they depend on the txs before
// them); the mempool's recheck after each block catches them when they become next. Errors
// are errc::invalid_input with a reason. The state_db and state_read overloads dry-run at
// head height + 1; next_height = 0 skips the dry run.
result<tx_info> check_tx(const state_db& db, std::string_view bytes);
result<tx_info> check_tx(const state_read& committed, std::string_view bytes);
result<tx_info> check_tx(const state_view& state, std::string_view bytes, uint64_t next_height);

// Optional: tells execution that the tx with this hash already passed check_tx on this node
// (e.g. it sits in the mempool), so its Ed25519 signature need not be verified again. The hash
// covers the signature, and check_tx verified it for this chain id, so skipping is safe.
using tx_verified_fn = std::function<bool(std::string_view tx_hash)>;

// A block executed inside the state's single write transaction, not yet committed.
class block_execution {
public:
  ~block_execution();
  const block_outcome& outcome() const { return outcome_; }
  status commit(); // durable
  void abort();    // nothing of the block remains (also done by the destructor)

private:
  friend result<std::unique_ptr<block_execution>> execute_block(state_db&, const block_context&,
                                                                 const std::vector<std::string>&,
                                                                 const tx_verified_fn&);
  block_execution() = default;
  std::unique_ptr<state_write> write_;
  block_outcome outcome_;
};

// Errors (the block cannot be executed at all): store not initialized, height not head + 1,
// storage failure or corruption. Bad txs are receipts, not errors.
result<std::unique_ptr<block_execution>> execute_block(state_db& db, const block_context& ctx,
                                                       const std::vector<std::string>& txs,
                                                       const tx_verified_fn& already_verified = {});
result<block_outcome> apply_block(state_db& db, const block_context& ctx, const std::vector<std::string>& txs,
                                  const tx_verified_fn& already_verified = {});

// Issue #6 hook: sets a registered node's storage power (work reports) inside a block's write;
// the owner's total ('W') follows. Takes effect at the next election.
status set_storage_power(state_write& w, std::string_view node_key, uint64_t power);
status set_storage_power(const state_view& v, state_sink& w, std::string_view node_key, uint64_t power);

// Queries for RPC, CLI and tests (work on committed state via db.begin_read(), or a write).
struct candidate_status {
  std::string owner;
  std::string node_key;
  uint32_t commission_ppm = 0;
  uint64_t own = 0;         // own bonded stake
  uint64_t guaranteed = 0;  // sum of guarantees on it
  uint64_t stake_limit = 0; // storage power × stake_per_gib / 2^30
  uint64_t storage_power = 0;
  uint64_t effective = 0;   // total effective stake if elected now
};
result<std::string> read_chain_id(const state_view& s);
result<chain_params> read_params(const state_view& s);
result<era_info> read_era(const state_view& s);
result<account> read_account(const state_view& s, std::string_view key); // zero record if absent
result<stake> read_stake(const state_view& s, std::string_view key);
result<std::optional<candidate>> read_candidate(const state_view& s, std::string_view owner);
result<std::optional<node_record>> read_node(const state_view& s, std::string_view node_key);
result<uint64_t> read_owner_power(const state_view& s, std::string_view owner);
result<std::optional<exposure>> read_exposure(const state_view& s, std::string_view owner);
result<validator_set> read_validators(const state_view& s); // set for the next height
// All candidates with their effective stakes, in election order (best first).
result<std::vector<candidate_status>> read_candidates(const state_view& s);

} // namespace mantle::chain
