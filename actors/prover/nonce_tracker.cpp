#include "actors/prover/nonce_tracker.hpp"

namespace mantle::prover {

void nonce_tracker::on_committed(uint64_t account_nonce, uint64_t height) {
  account_ = account_nonce;
  txs_.erase(txs_.begin(), txs_.lower_bound(account_nonce));
  for (auto it = txs_.begin(); it != txs_.end();)
    if (it->second.k == kind::unknown && height >= it->second.height + unknown_ttl)
      it = txs_.erase(it);
    else
      ++it;
  // Nothing of ours sits at the account's nonce, so everything above it is held behind the gap
  // and will never run before it: forget them; what is still needed is sent again from the gap
  // (the held ones then fail harmlessly, or are skipped as taken).
  if (!txs_.empty() && txs_.begin()->first > account_nonce)
    txs_.clear();
}

uint64_t nonce_tracker::next() const {
  uint64_t n = account_;
  for (auto it = txs_.lower_bound(n); it != txs_.end() && it->first == n; ++it)
    ++n;
  return n;
}

void nonce_tracker::sent(uint64_t nonce, sent_tx tx) {
  if (nonce >= account_)
    txs_[nonce] = std::move(tx);
}

void nonce_tracker::lost(uint64_t nonce) { txs_.erase(nonce); }

void nonce_tracker::taken(uint64_t nonce, uint64_t height) {
  sent_tx t;
  t.k = kind::unknown;
  t.height = height;
  sent(nonce, std::move(t));
}

const nonce_tracker::sent_tx* nonce_tracker::at_account_nonce() const {
  auto it = txs_.find(account_);
  return it == txs_.end() ? nullptr : &it->second;
}

bool nonce_tracker::report_pending(uint64_t slot) const {
  for (const auto& [n, t] : txs_)
    if (t.k == kind::report && t.slot == slot)
      return true;
  return false;
}

std::set<uint64_t> nonce_tracker::answers_pending(uint64_t slot) const {
  std::set<uint64_t> out;
  for (const auto& [n, t] : txs_)
    if (t.k == kind::proof && t.slot == slot)
      out.insert(t.challenges.begin(), t.challenges.end());
  return out;
}

} // namespace mantle::prover
