// The validator's only way to sign votes and proposals: every signature is first recorded in
// the vote WAL (storage/vote_wal.hpp, fsynced), and a request that conflicts with what the log
// already holds is refused, across restarts too, since open() reloads the log.
//  - votes: one per (height, round, type). Asking again for the same block id returns the
//    recorded vote (safe to re-broadcast); a different block id (or nil vs. a block) is refused
//    with errc::conflict.
//  - proposals: one per (height, round). The same block id and pol_round returns the recorded
//    proposal; anything else is refused with errc::conflict.
// Block bytes are not logged, so after a restart a proposer cannot re-send its own earlier
// proposal's block; consensus_state then skips proposing in that round (it times out safely).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "actors/validator/chain_types.hpp"
#include "storage/identity.hpp"
#include "storage/result.hpp"
#include "storage/vote_wal.hpp"

namespace mantle::chain {

class vote_signer {
public:
  // `durable` false skips fsync (tests and simulations only).
  static result<std::unique_ptr<vote_signer>> open(const std::string& wal_path, const node_identity& id,
                                                   std::string chain_id, bool durable = true);

  const std::string& public_key() const { return id_.public_key(); }
  const std::string& chain_id() const { return chain_id_; }

  // Fills in validator and signature (whatever `v` carried there is ignored).
  result<vote> sign_vote(vote v);
  // Fills in proposer and signature.
  result<proposal> sign_proposal(proposal p);

  // What this validator signed at `height` (for restoring its state after a restart).
  std::vector<vote> own_votes(uint64_t height) const;
  std::vector<proposal> own_proposals(uint64_t height) const;

  // Forget entries below `height` once it is committed (keeps the log small).
  status prune_below(uint64_t height) { return wal_->prune_below(height); }
  // Non-empty when opening dropped a torn last record (log it).
  const std::string& recovery_note() const { return wal_->recovery_note(); }

private:
  vote_signer(node_identity id, std::string chain_id, std::unique_ptr<vote_wal> wal)
    : id_(std::move(id)), chain_id_(std::move(chain_id)), wal_(std::move(wal)) {}
  node_identity id_;
  std::string chain_id_;
  std::unique_ptr<vote_wal> wal_;
};

} // namespace mantle::chain
