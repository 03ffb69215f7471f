// Pending transactions waiting for a block. Pure and single-threaded (the validator owns it): no
// I/O, no clock, no signature checks. The host checks a tx against the state first (check_tx
// gives its hash, sender, nonce, fee and size) and passes the account's next nonce; the pool
// only orders and bounds.
//
// Rules:
// - A tx is known by its hash: the same hash twice is a duplicate.
// - Per sender, txs are kept by nonce. One tx per (sender, nonce): another tx with the same
//   nonce replaces it only with a strictly higher fee.
// - A nonce below the account's next nonce is refused (already used); a nonce at or beyond
//   next + max_nonce_ahead is refused too, so one sender cannot park txs far in the future.
// - A sender's txs after a nonce gap are held (kept, never reaped) until the gap fills.
// - Limits: total txs, total bytes, txs per sender, bytes per tx. When the pool is full, a new
//   tx may evict txs of OTHER senders with a lower fee, lowest fee first (newest first among
//   equal fees); an evicted tx takes its sender's later nonces with it, since they could no
//   longer be reaped. If eviction cannot make room, nothing is evicted and the tx is refused.
// - reap() takes, per sender, the gap-free run of nonces starting at the account's next nonce
//   and interleaves senders round by round (each sender's 1st tx, then each one's 2nd, ...),
//   higher fee first within a round, then arrival order. It stops at the tx or byte budget;
//   a sender whose next tx does not fit in the remaining bytes gets no more txs in that reap.
// Memory is bounded by max_txs entries plus max_bytes of tx bytes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mantle::chain {

struct mempool_limits {
  size_t max_txs = 50000;
  size_t max_bytes = 64u << 20;
  size_t max_per_sender = 64;
  uint64_t max_nonce_ahead = 64; // a nonce must be < the account's next nonce + this
  size_t max_tx_bytes = 1u << 20;
};

enum class add_code : uint8_t {
  added,
  replaced,      // took the place of a lower-fee tx with the same sender and nonce
  duplicate,     // this hash is already pending
  nonce_too_low, // below the account's next nonce
  nonce_too_far, // too far ahead of the account's next nonce
  nonce_taken,   // another tx with this nonce is pending with a fee >= this one's
  sender_full,   // the sender has max_per_sender txs pending
  pool_full,     // no room, and no lower-fee txs of other senders to evict
  too_large,     // larger than max_tx_bytes
  malformed,     // empty hash or sender, or size does not match the bytes
};
const char* to_string(add_code c);

struct add_result {
  add_code code = add_code::added;
  std::string reason; // for a person: what was wrong and what to do; empty when accepted
  size_t evicted = 0; // txs of other senders removed to make room
  bool ok() const { return code == add_code::added || code == add_code::replaced; }
};

class mempool {
public:
  // What the state check tells about a tx (the contract's tx_info; nested so it cannot clash
  // with the state transition's own type of the same name).
  struct tx_info {
    std::string hash;   // chain::hash of the encoded tx
    std::string sender; // account public key
    uint64_t nonce = 0;
    uint64_t fee = 0;
    uint64_t size = 0; // bytes of the encoded tx
  };
  struct pooled_tx {
    tx_info info;
    std::string bytes;
    uint64_t seq = 0; // arrival order
  };
  // The account's next nonce (the nonce its next tx must carry) in the current state.
  using nonce_fn = std::function<uint64_t(std::string_view sender)>;

  explicit mempool(mempool_limits limits = {});
  mempool(const mempool&) = delete;
  mempool& operator=(const mempool&) = delete;

  add_result add(tx_info info, std::string bytes, uint64_t account_nonce);

  // Txs for the next block, in block order. The pointers stay valid until the next non-const
  // call. Reaping does not remove: the committed block does (remove_committed).
  std::vector<const pooled_tx*> reap(size_t max_txs, size_t max_bytes, const nonce_fn& account_nonce) const;

  // Drops the txs of a committed block (by hash); unknown hashes are ignored. Returns how many
  // were pending.
  size_t remove_committed(const std::vector<std::string>& hashes);
  // After a block: drops txs whose nonce the state has passed, and those `still_valid` (if
  // given) rejects, e.g. a fee the balance no longer covers. Returns how many were dropped.
  size_t recheck(const nonce_fn& account_nonce, const std::function<bool(const pooled_tx&)>& still_valid = {});

  const pooled_tx* find(const std::string& hash) const;
  bool contains(const std::string& hash) const { return find(hash) != nullptr; }
  size_t size() const { return by_hash_.size(); }
  size_t bytes() const { return bytes_; }
  size_t senders() const { return by_sender_.size(); }
  size_t pending_of(const std::string& sender) const;
  const mempool_limits& limits() const { return limits_; }

private:
  // Eviction order: lowest fee first, newest first among equal fees.
  using fee_key = std::pair<uint64_t, uint64_t>; // (fee, ~seq)
  static fee_key key_of(const pooled_tx& t) { return {t.info.fee, ~t.seq}; }
  using nonce_map = std::map<uint64_t, pooled_tx*>;

  void erase(pooled_tx* t);
  // Removes `t` and the later nonces of its sender; returns how many.
  size_t erase_with_successors(pooled_tx* t);
  // Finds txs of senders other than `sender` with fee < `fee` whose eviction frees `need_txs`
  // entries and `need_bytes` bytes; empty when impossible.
  std::vector<pooled_tx*> plan_eviction(const std::string& sender, uint64_t fee, size_t need_txs,
                                        size_t need_bytes) const;

  mempool_limits limits_;
  std::unordered_map<std::string, pooled_tx> by_hash_;
  std::unordered_map<std::string, nonce_map> by_sender_;
  std::map<fee_key, pooled_tx*> by_fee_;
  size_t bytes_ = 0;
  uint64_t next_seq_ = 0;
};

} // namespace mantle::chain
