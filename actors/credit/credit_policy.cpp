#include "actors/credit/credit_policy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mantle::credit {

namespace {

uint64_t saturating_add(uint64_t a, uint64_t b) {
  return b > std::numeric_limits<uint64_t>::max() - a ? std::numeric_limits<uint64_t>::max() : a + b;
}

} // namespace

double debt_ratio(const peer_credit& c, uint64_t unit) {
  const double u = static_cast<double>(unit == 0 ? 1 : unit);
  return (static_cast<double>(c.sent) / u) / (static_cast<double>(c.received) / u + 1.0);
}

double serve_probability(double r) {
  // 1 - 1/(1 + e) written as e/(1 + e), which keeps its precision for large r instead of
  // cancelling to 0. e = exp(6 - 3r) cannot overflow for r >= 0, and underflows to 0 (never
  // served) only for a huge ratio.
  double e = std::exp(6.0 - 3.0 * r);
  return e / (1.0 + e);
}

double unit_interval(uint64_t bits) {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

const char* to_string(verdict v) {
  switch (v) {
    case verdict::serve: return "serve";
    case verdict::refuse_ratio: return "refused: debt ratio";
    case verdict::refuse_cut: return "refused: credit cut";
  }
  return "unknown";
}

credit_policy::credit_policy(std::set<std::string> trusted, random_bits draw, uint64_t unit)
  : trusted_(std::move(trusted)), draw_(std::move(draw)), unit_(unit == 0 ? 1 : unit) {}

void credit_policy::load(std::map<std::string, peer_credit> accounts) {
  accounts_ = std::move(accounts);
  changed_.clear();
}

void credit_policy::record(const std::string& peer, uint64_t sent, uint64_t received) {
  if (sent == 0 && received == 0)
    return;
  // Sent bytes settle what was promised to this peer, oldest promises first.
  uint64_t settle = sent;
  for (auto* promises : {&promised_before_, &promised_now_}) {
    auto it = promises->find(peer);
    if (it == promises->end() || settle == 0)
      continue;
    uint64_t take = std::min(settle, it->second);
    it->second -= take;
    settle -= take;
    if (it->second == 0)
      promises->erase(it);
  }
  auto& a = accounts_[peer];
  a.sent = saturating_add(a.sent, sent);
  a.received = saturating_add(a.received, received);
  a.exchanged = saturating_add(a.exchanged, 1);
  changed_.insert(peer);
}

void credit_policy::cut(const std::string& peer) { cut_.insert(peer); }

verdict credit_policy::decide(const std::string& peer, uint64_t bytes) {
  if (is_cut(peer))
    return verdict::refuse_cut;
  if (is_trusted(peer))
    return verdict::serve;
  auto a = account(peer);
  a.sent = saturating_add(a.sent, promised(peer));
  double p = serve_probability(debt_ratio(a, unit_));
  if (unit_interval(draw_()) < p) {
    if (bytes > 0)
      promised_now_[peer] = saturating_add(promised_now_[peer], bytes);
    return verdict::serve;
  }
  ++refused_[peer];
  return verdict::refuse_ratio;
}

void credit_policy::age_promises() {
  promised_before_ = std::move(promised_now_);
  promised_now_.clear();
}

uint64_t credit_policy::promised(const std::string& peer) const {
  uint64_t out = 0;
  for (auto* promises : {&promised_before_, &promised_now_})
    if (auto it = promises->find(peer); it != promises->end())
      out = saturating_add(out, it->second);
  return out;
}

peer_credit credit_policy::account(const std::string& peer) const {
  auto it = accounts_.find(peer);
  return it == accounts_.end() ? peer_credit{} : it->second;
}

std::vector<ledger_entry> credit_policy::entries() const {
  std::set<std::string> peers = trusted_;
  peers.erase("*"); // a wildcard, not a peer
  peers.insert(chain_trusted_.begin(), chain_trusted_.end());
  peers.insert(cut_.begin(), cut_.end());
  for (const auto& kv : refused_)
    peers.insert(kv.first);
  for (const auto& kv : accounts_)
    peers.insert(kv.first);
  std::vector<ledger_entry> out;
  out.reserve(peers.size());
  for (const auto& p : peers) {
    auto a = account(p);
    auto r = refused_.find(p);
    out.push_back(ledger_entry{p, a.sent, a.received, is_trusted(p), a.exchanged, is_cut(p),
                               r == refused_.end() ? 0 : r->second, unit_});
  }
  return out;
}

std::map<std::string, peer_credit> credit_policy::changed() const {
  std::map<std::string, peer_credit> out;
  for (const auto& p : changed_)
    out.emplace(p, accounts_.at(p));
  return out;
}

} // namespace mantle::credit
