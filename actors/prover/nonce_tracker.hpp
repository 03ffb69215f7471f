// Nonces of the node key's own txs (work reports and storage proofs). The chain bumps an
// account's nonce only for a tx that executes successfully; a failed or dropped tx leaves a gap
// that holds every later tx of the sender in the mempool, so the prover fills the gap with its
// next tx. A fee-0 tx cannot replace a pending one with the same nonce, so nonces held by txs
// of an earlier incarnation are skipped for a few blocks. Pure C++, no CAF.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace mantle::prover {

class nonce_tracker {
public:
  enum class kind : uint8_t { report, proof, unknown };
  struct sent_tx {
    std::string hash;                 // raw tx hash; empty for kind::unknown
    kind k = kind::unknown;
    uint64_t slot = 0;
    std::vector<uint64_t> challenges; // kind::proof: the challenge numbers it answers
    uint64_t height = 0;              // committed height when it was sent
  };

  // After reading the committed state at `height`: txs below the account's nonce executed
  // (or were replaced by ones that did), unknown holders older than unknown_ttl blocks are
  // given up on, and when none of its txs holds the account's nonce the rest are forgotten
  // (held behind the gap, they cannot run first).
  void on_committed(uint64_t account_nonce, uint64_t height);
  // The nonce for the next tx: the lowest one at or above the account's nonce not held by a
  // tx this tracker knows about.
  uint64_t next() const;
  void sent(uint64_t nonce, sent_tx tx);
  // The tx with this nonce failed in a block or left the mempool: its nonce is free again.
  void lost(uint64_t nonce);
  // The mempool refused `nonce` as taken by a tx this incarnation did not send.
  void taken(uint64_t nonce, uint64_t height);

  // The pending tx at the account's nonce, the one whose fate decides the others; null if none.
  const sent_tx* at_account_nonce() const;
  uint64_t account_nonce() const { return account_; }
  bool report_pending(uint64_t slot) const;
  std::set<uint64_t> answers_pending(uint64_t slot) const;
  size_t pending() const { return txs_.size(); }

  static constexpr uint64_t unknown_ttl = 3;

private:
  uint64_t account_ = 0;
  std::map<uint64_t, sent_tx> txs_; // by nonce
};

} // namespace mantle::prover
