#include "actors/validator/mempool.hpp"

#include <queue>
#include <unordered_set>

namespace mantle::chain {

const char* to_string(add_code c) {
  switch (c) {
    case add_code::added: return "added";
    case add_code::replaced: return "replaced";
    case add_code::duplicate: return "duplicate";
    case add_code::nonce_too_low: return "nonce too low";
    case add_code::nonce_too_far: return "nonce too far ahead";
    case add_code::nonce_taken: return "nonce taken";
    case add_code::sender_full: return "sender over limit";
    case add_code::pool_full: return "pool full";
    case add_code::too_large: return "too large";
    case add_code::malformed: return "malformed";
  }
  return "unknown";
}

namespace {

add_result refuse(add_code c, std::string why) { return add_result{c, std::move(why), 0}; }

} // namespace

mempool::mempool(mempool_limits limits) : limits_(limits) {}

const mempool::pooled_tx* mempool::find(const std::string& hash) const {
  auto it = by_hash_.find(hash);
  return it == by_hash_.end() ? nullptr : &it->second;
}

size_t mempool::pending_of(const std::string& sender) const {
  auto it = by_sender_.find(sender);
  return it == by_sender_.end() ? 0 : it->second.size();
}

void mempool::erase(pooled_tx* t) {
  by_fee_.erase(key_of(*t));
  auto s = by_sender_.find(t->info.sender);
  if (s != by_sender_.end()) {
    s->second.erase(t->info.nonce);
    if (s->second.empty())
      by_sender_.erase(s);
  }
  bytes_ -= t->bytes.size();
  // Erase by iterator: erasing by a key that lives inside the erased node is unsafe.
  by_hash_.erase(by_hash_.find(t->info.hash));
}

size_t mempool::erase_with_successors(pooled_tx* t) {
  std::vector<pooled_tx*> doomed;
  const auto& m = by_sender_.at(t->info.sender);
  for (auto it = m.find(t->info.nonce); it != m.end(); ++it)
    doomed.push_back(it->second);
  for (auto* d : doomed)
    erase(d);
  return doomed.size();
}

std::vector<mempool::pooled_tx*> mempool::plan_eviction(const std::string& sender, uint64_t fee, size_t need_txs,
                                                        size_t need_bytes) const {
  std::vector<pooled_tx*> victims;
  std::unordered_set<const pooled_tx*> chosen;
  size_t freed_txs = 0, freed_bytes = 0;
  for (const auto& [key, t] : by_fee_) {
    if (freed_txs >= need_txs && freed_bytes >= need_bytes)
      return victims;
    if (key.first >= fee)
      break;
    if (t->info.sender == sender || chosen.count(t))
      continue;
    const auto& m = by_sender_.at(t->info.sender);
    for (auto it = m.find(t->info.nonce); it != m.end(); ++it) {
      if (!chosen.insert(it->second).second)
        continue;
      victims.push_back(it->second);
      ++freed_txs;
      freed_bytes += it->second->bytes.size();
    }
  }
  if (freed_txs >= need_txs && freed_bytes >= need_bytes)
    return victims;
  return {};
}

add_result mempool::add(tx_info info, std::string bytes, uint64_t account_nonce) {
  if (info.hash.empty() || info.sender.empty())
    return refuse(add_code::malformed, "transaction without a hash or a sender");
  if (info.size != bytes.size())
    return refuse(add_code::malformed, "transaction size " + std::to_string(info.size) + " does not match its " +
                                         std::to_string(bytes.size()) + " bytes");
  if (bytes.size() > limits_.max_tx_bytes)
    return refuse(add_code::too_large, "transaction of " + std::to_string(bytes.size()) + " bytes is over the " +
                                         std::to_string(limits_.max_tx_bytes) + "-byte limit");
  if (by_hash_.count(info.hash))
    return refuse(add_code::duplicate, "transaction is already pending");
  if (info.nonce < account_nonce)
    return refuse(add_code::nonce_too_low, "nonce " + std::to_string(info.nonce) +
                                             " is already used; the account's next nonce is " +
                                             std::to_string(account_nonce));
  if (info.nonce - account_nonce >= limits_.max_nonce_ahead)
    return refuse(add_code::nonce_too_far, "nonce " + std::to_string(info.nonce) + " is too far ahead of the account's next nonce " +
                                             std::to_string(account_nonce) + " (at most " +
                                             std::to_string(limits_.max_nonce_ahead - 1) +
                                             " ahead); send the missing nonces first");

  // The sender's txs the state has passed are dead weight: drop them before counting.
  if (auto s = by_sender_.find(info.sender); s != by_sender_.end()) {
    std::vector<pooled_tx*> stale;
    for (auto it = s->second.begin(); it != s->second.end() && it->first < account_nonce; ++it)
      stale.push_back(it->second);
    for (auto* t : stale)
      erase(t);
  }
  pooled_tx* old = nullptr;
  size_t sender_count = 0;
  if (auto s = by_sender_.find(info.sender); s != by_sender_.end()) {
    sender_count = s->second.size();
    if (auto it = s->second.find(info.nonce); it != s->second.end())
      old = it->second;
  }
  if (old && info.fee <= old->info.fee)
    return refuse(add_code::nonce_taken, "a transaction with nonce " + std::to_string(info.nonce) +
                                           " is already pending with fee " + std::to_string(old->info.fee) +
                                           "; a replacement needs a higher fee");
  if (!old && sender_count >= limits_.max_per_sender)
    return refuse(add_code::sender_full, "the sender already has " + std::to_string(sender_count) +
                                           " pending transactions (the limit); wait for a block");

  size_t txs_after = by_hash_.size() + (old ? 0 : 1);
  size_t bytes_after = bytes_ - (old ? old->bytes.size() : 0) + bytes.size();
  size_t need_txs = txs_after > limits_.max_txs ? txs_after - limits_.max_txs : 0;
  size_t need_bytes = bytes_after > limits_.max_bytes ? bytes_after - limits_.max_bytes : 0;
  size_t evicted = 0;
  if (need_txs || need_bytes) {
    auto victims = plan_eviction(info.sender, info.fee, need_txs, need_bytes);
    if (victims.empty())
      return refuse(add_code::pool_full, "the pool is full (" + std::to_string(by_hash_.size()) + " transactions, " +
                                           std::to_string(bytes_) + " bytes) with fees of at least " +
                                           std::to_string(info.fee) + "; retry later or with a higher fee");
    for (auto* v : victims)
      erase(v);
    evicted = victims.size();
  }
  add_code code = add_code::added;
  if (old) {
    erase(old);
    code = add_code::replaced;
  }

  std::string hash = info.hash;
  auto [it, inserted] = by_hash_.try_emplace(std::move(hash));
  pooled_tx& t = it->second;
  t.info = std::move(info);
  t.bytes = std::move(bytes);
  t.seq = next_seq_++;
  by_sender_[t.info.sender].emplace(t.info.nonce, &t);
  by_fee_.emplace(key_of(t), &t);
  bytes_ += t.bytes.size();
  return add_result{code, {}, evicted};
}

std::vector<const mempool::pooled_tx*> mempool::reap(size_t max_txs, size_t max_bytes,
                                                     const nonce_fn& account_nonce) const {
  struct head {
    uint32_t round;
    const pooled_tx* tx;
    nonce_map::const_iterator next, end;
  };
  // Earlier round first, then higher fee, then earlier arrival.
  auto later = [](const head& a, const head& b) {
    if (a.round != b.round)
      return a.round > b.round;
    if (a.tx->info.fee != b.tx->info.fee)
      return a.tx->info.fee < b.tx->info.fee;
    return a.tx->seq > b.tx->seq;
  };
  std::priority_queue<head, std::vector<head>, decltype(later)> q(later);
  for (const auto& [sender, m] : by_sender_) {
    auto it = m.find(account_nonce(sender));
    if (it != m.end())
      q.push({0, it->second, std::next(it), m.end()});
  }
  std::vector<const pooled_tx*> out;
  size_t bytes = 0;
  while (!q.empty() && out.size() < max_txs) {
    head h = q.top();
    q.pop();
    if (h.tx->bytes.size() > max_bytes - bytes)
      continue; // this sender's run ends here; smaller txs of others may still fit
    out.push_back(h.tx);
    bytes += h.tx->bytes.size();
    if (h.next != h.end && h.next->first == h.tx->info.nonce + 1)
      q.push({h.round + 1, h.next->second, std::next(h.next), h.end});
  }
  return out;
}

size_t mempool::remove_committed(const std::vector<std::string>& hashes) {
  size_t n = 0;
  for (const auto& h : hashes) {
    auto it = by_hash_.find(h);
    if (it == by_hash_.end())
      continue;
    erase(&it->second);
    ++n;
  }
  return n;
}

size_t mempool::recheck(const nonce_fn& account_nonce, const std::function<bool(const pooled_tx&)>& still_valid) {
  std::vector<pooled_tx*> doomed;
  for (const auto& [sender, m] : by_sender_) {
    uint64_t next = account_nonce(sender);
    for (const auto& [nonce, t] : m)
      if (nonce < next || (still_valid && !still_valid(*t)))
        doomed.push_back(t);
  }
  for (auto* t : doomed)
    erase(t);
  return doomed.size();
}

} // namespace mantle::chain
