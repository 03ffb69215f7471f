#include "actors/market/market_book.hpp"

#include <algorithm>

#include "actors/market/market_rules.hpp"

namespace mantle::market {

const char* to_string(job_phase p) {
  switch (p) {
  case job_phase::asking: return "asking_policy";
  case job_phase::fetching: return "fetching";
  case job_phase::pinning: return "pinning";
  case job_phase::verifying: return "verifying";
  }
  return "unknown";
}

namespace {

std::string order_key(const std::string& cid, uint64_t size, const std::string& root) {
  return std::to_string(cid.size()) + ":" + cid + std::to_string(size) + ":" + root;
}

} // namespace

market_book::market_book(policy_options o, size_t abandoned_limit)
  : opts_(o), abandoned_limit_(abandoned_limit == 0 ? 1 : abandoned_limit) {}

std::vector<drop_action> market_book::reconcile(const chain_snapshot& s) {
  std::vector<drop_action> out;
  uint64_t slot = slot_of(s.height, std::max<uint64_t>(1, s.slot_blocks));
  for (auto it = held_.begin(); it != held_.end();) {
    auto& h = it->second;
    bool in_set = s.node_set.count(h.cid) != 0;
    bool exists = s.files.count(h.cid) != 0;
    if (!exists) {
      out.push_back({h.cid, false, "the chain closed the file"});
      it = held_.erase(it);
      continue;
    }
    if (in_set) {
      h.reported = true;
      ++it;
      continue;
    }
    if (h.reported) {
      out.push_back({h.cid, true, "the chain removed this node's replica (failed proofs)"});
      lost_[h.cid] = slot;
      it = held_.erase(it);
      continue;
    }
    ++it; // claimed, waiting for the next work report to list it
  }
  for (const auto& [c, size] : s.node_set) {
    if (held_.count(c) || !s.files.count(c))
      continue;
    held_[c] = held_file{c, size, true, false, s.height};
    jobs_.erase(c);
  }
  // Forget losses past their cooldown.
  for (auto it = lost_.begin(); it != lost_.end();)
    it = slot >= it->second + opts_.lost_cooldown_slots ? lost_.erase(it) : std::next(it);
  return out;
}

market_book::plan market_book::plan_takes(const chain_snapshot& s, const std::string& node_key,
                                          uint64_t configured_capacity, uint64_t disk_free, uint64_t margin,
                                          uint64_t now_ms) {
  plan out;
  node_view n;
  n.node_key = node_key;
  n.height = s.height;
  n.slot_blocks = s.slot_blocks;
  n.max_replicas = s.max_replicas;
  uint64_t slot = slot_of(s.height, std::max<uint64_t>(1, s.slot_blocks));
  for (auto it = declined_.begin(); it != declined_.end();)
    it = it->second.slot < slot ? declined_.erase(it) : std::next(it);
  for (const auto& [c, f] : s.files) {
    n.free_bytes = free_capacity(configured_capacity, disk_free, margin, held_bytes(), fetching_bytes());
    n.fetching = static_cast<uint32_t>(jobs_.size());
    auto r = s.roots.find(c);
    std::string root = r != s.roots.end() ? r->second : std::string{};
    auto d = decide(f, n, state_of(c, f.size, root), lost_slot(c), opts_);
    if (d.take() && declined_.count(c))
      d.what = verdict::declined;
    ++out.counts[d.what];
    if (!d.take())
      continue;
    fetch_job j;
    j.cid = c;
    j.size = f.size;
    j.proof_root = root;
    j.started_ms = now_ms;
    j.height = s.height;
    jobs_[c] = j;
    out.take.push_back(j);
  }
  return out;
}

fetch_job* market_book::job(const std::string& cid) {
  auto it = jobs_.find(cid);
  return it == jobs_.end() ? nullptr : &it->second;
}

void market_book::set_phase(const std::string& cid, job_phase p, uint64_t blocks) {
  if (auto* j = job(cid)) {
    j->phase = p;
    if (blocks) {
      j->blocks = blocks;
      j->blocks_known = std::max(j->blocks_known, blocks);
    }
  }
}

void market_book::set_progress(const std::string& cid, uint64_t blocks, uint64_t blocks_known) {
  if (auto* j = job(cid)) {
    j->blocks = blocks;
    j->blocks_known = blocks_known;
  }
}

void market_book::verified(const std::string& cid, uint64_t size, uint64_t height) {
  jobs_.erase(cid);
  auto& h = held_[cid];
  if (h.cid.empty())
    h = held_file{cid, size, false, false, height};
}

void market_book::abandon(const std::string& cid, std::string reason, uint64_t height) {
  abandoned_order a;
  a.cid = cid;
  a.reason = std::move(reason);
  a.height = height;
  if (auto* j = job(cid)) {
    a.size = j->size;
    a.proof_root = j->proof_root;
  }
  jobs_.erase(cid);
  ++abandoned_index_[order_key(a.cid, a.size, a.proof_root)];
  abandoned_.push_back(std::move(a));
  while (abandoned_.size() > abandoned_limit_) {
    auto& old = abandoned_.front();
    auto it = abandoned_index_.find(order_key(old.cid, old.size, old.proof_root));
    if (it != abandoned_index_.end() && --it->second == 0)
      abandoned_index_.erase(it);
    abandoned_.pop_front();
  }
}

void market_book::told_prover(const std::string& cid) {
  auto it = held_.find(cid);
  if (it != held_.end())
    it->second.told_prover = true;
}

std::vector<std::string> market_book::unclaimed() const {
  std::vector<std::string> out;
  for (const auto& [c, h] : held_)
    if (!h.reported && !h.told_prover)
      out.push_back(c);
  return out;
}

void market_book::release(const std::string& cid) { jobs_.erase(cid); }

void market_book::decline(const std::string& cid, std::string reason, uint64_t slot, uint64_t height) {
  jobs_.erase(cid);
  declined_[cid] = declined_order{cid, std::move(reason), slot, height};
}

local_state market_book::state_of(const std::string& cid, uint64_t size, const std::string& root) const {
  if (held_.count(cid))
    return local_state::held;
  if (jobs_.count(cid))
    return local_state::fetching;
  if (abandoned_index_.count(order_key(cid, size, root)))
    return local_state::abandoned;
  if (lost_.count(cid))
    return local_state::lost;
  return local_state::none;
}

std::optional<uint64_t> market_book::lost_slot(const std::string& cid) const {
  auto it = lost_.find(cid);
  if (it == lost_.end())
    return std::nullopt;
  return it->second;
}

uint64_t market_book::held_bytes() const {
  uint64_t n = 0;
  for (const auto& [c, h] : held_)
    n += h.size;
  return n;
}

uint64_t market_book::fetching_bytes() const {
  uint64_t n = 0;
  for (const auto& [c, j] : jobs_)
    n += j.size;
  return n;
}

} // namespace mantle::market
