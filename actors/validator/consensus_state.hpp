// Tendermint-style BFT consensus for one height at a time, as a pure state machine: no threads,
// no clock, no I/O. The host (the validator actor) feeds it inputs and performs the actions it
// returns, in order.
//
// Usage by the host
//   consensus_state cs(config, host_callbacks, signer);   // signer null = observer, never votes
//   act(cs.start_height(h, validator_set_of_h));          // round 0 of h
//   act(cs.on_proposal(p, block_bytes));                  // from the network
//   act(cs.on_vote(v));                                   // from the network
//   act(cs.on_timeout(h, r, step));                       // when a schedule_timeout fires
//   act(cs.on_commit(cert, block_bytes));                 // a peer's certificate for height h
//   on decide{h, bytes, cert}: store block + cert, apply it, then (after the block time, if it
//   wants to collect more precommits) act(cs.start_height(h + 1, next_set)).
// Every input returns the actions it caused:
//   broadcast_proposal{proposal, block bytes}  send to all peers (already signed and logged)
//   broadcast_vote{vote}                       send to all peers (already signed and logged)
//   schedule_timeout{height, round, step, delay_ms}  call on_timeout(height, round, step) after
//                                              delay_ms; stale timeouts are ignored, so the host
//                                              need not cancel anything
//   decide{height, block bytes, commit_cert}   the block is final (certificate verifies with
//                                              verify_commit against this height's set)
//   evidence_found{evidence}                   a validator signed two different votes for one
//                                              step; put it in a block (verify_evidence holds)
// Our own proposals and votes are also processed locally, so the host must not echo them back
// (echoes are harmless duplicates anyway).
//
// Host callbacks (consensus_host):
//   make_block(height, round) -> encoded chain::block to propose, or "" for none now (the round
//     then times out). Called only when this node is the proposer and holds no valid value.
//   validate_block(bytes, decoded block) -> status. The host checks what it owns: header links
//     (prev hash, last commit, time), check_body, the proposer field, state root, transactions.
//     Consensus checks the rest before calling it: the proposal's signature and that its signer
//     is proposer(height, round), block_id(header) == proposal.block_id, header.height. Each
//     block id is validated once per height; a rejected block gets nil prevotes.
//
// Rules (numbers follow the pseudo-code of "The latest gossip on BFT consensus"):
//   propose -> prevote -> precommit per round; a locked node prevotes only its locked block
//   unless a proposal carries a proof-of-lock (>2/3 prevotes in pol_round) no older than its
//   lock; it locks (and records the valid value) on >2/3 prevotes for the round's proposal; a
//   proposer re-proposes its valid value with pol_round; >2/3 precommits for a block in ANY
//   round of the height decide it; >2/3 prevotes (precommits) for anything start the prevote
//   (precommit) timeout; >1/3 of the power sending messages for a higher round moves the node to
//   it. Timeouts: base + delta * round for each step.
// Inputs that are ignored (bad signature, not a validator, wrong proposer, old height, block
// that does not match its id, too many rounds ahead, buffer full) change nothing; last_ignored()
// says why, for logs and peer scoring. Duplicates are ignored; conflicting votes are counted
// once (the first) and reported as evidence once per (validator, round, type).
// Messages for the next `future_heights` heights are buffered (bounded) after a signature
// check and replayed by start_height.
// Restart: start_height restores this node's own votes for the height from the signer's WAL
// (re-broadcasting them), with its lock (its last non-nil precommit), round and step.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/validator/chain_types.hpp"
#include "actors/validator/proposer_selection.hpp"
#include "actors/validator/vote_set.hpp"
#include "actors/validator/vote_signer.hpp"

namespace mantle::chain {

enum class round_step : uint8_t { propose = 1, prevote = 2, precommit = 3 };
const char* to_string(round_step s);

struct consensus_config {
  std::string chain_id;
  uint64_t propose_timeout_ms = 3000;
  uint64_t propose_timeout_delta_ms = 500;
  uint64_t prevote_timeout_ms = 1000;
  uint64_t prevote_timeout_delta_ms = 500;
  uint64_t precommit_timeout_ms = 1000;
  uint64_t precommit_timeout_delta_ms = 500;
  // A validator's messages may open at most this many rounds above ours (a Byzantine one cannot
  // make us keep state for millions of rounds).
  uint32_t max_rounds_ahead = 4;
  // Buffer for messages from later heights.
  uint64_t future_heights = 2;
  size_t max_future_votes = 2000;
  size_t max_future_proposals = 4;
};

struct broadcast_proposal {
  proposal p;
  std::string block_bytes;
};
struct broadcast_vote {
  vote v;
};
struct schedule_timeout {
  uint64_t height = 0;
  uint32_t round = 0;
  round_step step = round_step::propose;
  uint64_t delay_ms = 0;
};
struct decide {
  uint64_t height = 0;
  std::string block_bytes;
  commit_cert cert;
};
struct evidence_found {
  evidence e;
};
using consensus_action = std::variant<broadcast_proposal, broadcast_vote, schedule_timeout, decide, evidence_found>;
using consensus_actions = std::vector<consensus_action>;

struct consensus_host {
  std::function<std::string(uint64_t height, uint32_t round)> make_block;
  std::function<status(std::string_view block_bytes, const block& b)> validate_block;
};

class consensus_state {
public:
  // `signer` may be null (observer: follows and decides, never signs); it must outlive this.
  consensus_state(consensus_config cfg, consensus_host host, vote_signer* signer);

  // Begins round 0 of `height` with `set` (from make_validator_set), forgetting the previous
  // height, then replays buffered messages and this node's own logged votes for it.
  consensus_actions start_height(uint64_t height, validator_set set);
  consensus_actions on_proposal(const proposal& p, std::string block_bytes);
  consensus_actions on_vote(const vote& v);
  consensus_actions on_timeout(uint64_t height, uint32_t round, round_step step);
  // Catch-up within the current height: a peer's certificate for this height with the block's
  // bytes (e.g. when this node missed the precommits and the others moved on). Verified with
  // verify_commit against this height's set, the block checked like a proposed one; then the
  // height is decided through the usual rule.
  consensus_actions on_commit(const commit_cert& cert, std::string block_bytes);

  uint64_t height() const { return height_; }
  uint32_t round() const { return round_; }
  round_step step() const { return step_; }
  bool decided() const { return decided_; }
  int32_t locked_round() const { return locked_round_; }
  const std::string& locked_block() const { return locked_id_; }
  int32_t valid_round() const { return valid_round_; }
  const std::string& valid_block() const { return valid_id_; }
  const validator_set& validators() const { return set_; }
  const std::string& proposer(uint32_t round) const { return schedule_->proposer(height_, round); }
  // A block with >2/3 precommits whose bytes never arrived (fetch it from a peer and pass it in
  // with its proposal, or catch up through the chain store); empty if none.
  std::string missing_commit_block() const;
  // Why the last ignored input was ignored.
  const std::string& last_ignored() const { return ignored_; }
  size_t buffered_messages() const { return future_votes_.size() + future_proposals_.size(); }

private:
  struct round_state {
    std::optional<proposal> prop;
    vote_set prevotes;
    vote_set precommits;
    std::map<std::string, uint64_t> senders; // validator -> power, anyone with a message here
    uint64_t sender_power = 0;
    bool prevote_timeout_set = false;
    bool precommit_timeout_set = false;
    bool lock_rule_done = false; // rule 36 fires once per round
  };
  struct block_entry {
    bool valid = false;
    std::string bytes; // kept only when valid
  };

  round_state& round_at(uint32_t r);
  bool ignore(std::string why);
  bool room_for_round(const std::string& validator, uint32_t r);
  void note_sender(round_state& rs, const std::string& validator, uint64_t power);
  bool check_block(const std::string& id, std::string bytes);
  void add_vote(const vote& v, uint64_t power);
  void record_proposal(const proposal& p);
  void start_round(uint32_t r);
  void propose();
  void cast(vote_type t, const std::string& block_id);
  void timeout(round_step s, uint32_t r);
  void evaluate();
  bool try_decide();
  bool try_skip();
  const block_entry* known_block(const std::string& id) const;
  void buffer_future(const vote* v, const proposal* p, std::string bytes);
  void restore_own_votes();

  consensus_config cfg_;
  consensus_host host_;
  vote_signer* signer_;
  std::string me_;

  uint64_t height_ = 0;
  validator_set set_;
  uint64_t total_ = 0;
  std::unique_ptr<proposer_schedule> schedule_;
  uint32_t round_ = 0;
  round_step step_ = round_step::propose;
  bool decided_ = false;
  int32_t locked_round_ = -1;
  std::string locked_id_;
  int32_t valid_round_ = -1;
  std::string valid_id_;
  std::map<uint32_t, round_state> rounds_;
  std::map<std::string, block_entry> blocks_;
  std::set<std::tuple<std::string, uint32_t, uint8_t>> evidenced_;
  std::vector<vote> future_votes_;
  std::vector<std::pair<proposal, std::string>> future_proposals_;

  consensus_actions out_; // actions of the input being processed
  std::string ignored_;
};

} // namespace mantle::chain
