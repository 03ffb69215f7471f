#include "actors/validator/state_transition.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "actors/market/market_rules.hpp"
#include "storage/identity.hpp"

namespace mantle::chain {
namespace {

// Inside this file a failing tx throws tx_reject (caught per tx: the tx changes nothing) and a
// storage failure or corrupt record throws state_fault (caught at the public entry points: the
// block fails). The public interface only returns result/status.
struct tx_reject {
  std::string reason;
};
struct state_fault {
  error err;
};

constexpr uint64_t ppm_one = 1000000;

uint64_t add(uint64_t a, uint64_t b, const char* what) {
  if (a + b < a)
    throw tx_reject{std::string("overflow: ") + what + " would exceed 2^64-1"};
  return a + b;
}

uint64_t sub(uint64_t a, uint64_t b, const std::string& what) {
  if (b > a)
    throw tx_reject{what};
  return a - b;
}

// floor(a × b / c), exact in 128 bits; c > 0 and the result ≤ a when b ≤ c.
uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c) {
  unsigned __int128 r = static_cast<unsigned __int128>(a) * b / c;
  if (r > UINT64_MAX)
    return UINT64_MAX;
  return static_cast<uint64_t>(r);
}

std::string short_hex(std::string_view key) { return to_hex(key).substr(0, 16); }

template <class T>
T must(result<T> r) {
  if (!r)
    throw state_fault{r.err()};
  return std::move(*r);
}

// Typed access to the tables over a view, writing through `w` when there is one.
class tables {
public:
  tables(const state_view& v, state_sink* w) : v_(v), w_(w) {}

  std::optional<std::string> raw(const std::string& key) const { return must(v_.get(key)); }
  std::vector<std::pair<std::string, std::string>> scan(const std::string& prefix) const {
    return must(v_.scan(prefix));
  }
  const state_view& view() const { return v_; }
  state_sink& sink() { return *w_; }
  void put(const std::string& key, const std::string& value) { w_->put(key, value); }
  void del(const std::string& key) { w_->del(key); }

  std::string chain_id() const {
    auto r = raw(key_of(table::chain_id));
    if (!r)
      throw state_fault{make_error(errc::not_found, "state has no chain id: genesis was not applied")};
    return *r;
  }
  chain_params params() const {
    auto r = raw(key_of(table::params));
    if (!r)
      throw state_fault{make_error(errc::not_found, "state has no parameters: genesis was not applied")};
    return must(decode_params(*r));
  }
  era_info era() const {
    auto r = raw(key_of(table::era));
    return r ? must(decode_era(*r)) : era_info{};
  }
  void put_era(const era_info& e) { put(key_of(table::era), encode(e)); }

  account acct(std::string_view k) const {
    auto r = raw(key_of(table::account, k));
    return r ? must(decode_account(*r)) : account{};
  }
  void put_acct(std::string_view k, const account& a) {
    if (a.balance == 0 && a.nonce == 0)
      del(key_of(table::account, k));
    else
      put(key_of(table::account, k), encode(a));
  }
  void credit(std::string_view k, uint64_t amount) {
    if (amount == 0)
      return;
    auto a = acct(k);
    a.balance = add(a.balance, amount, "balance");
    put_acct(k, a);
  }

  stake stk(std::string_view k) const {
    auto r = raw(key_of(table::stake, k));
    return r ? must(decode_stake(*r)) : stake{};
  }
  void put_stake(std::string_view k, const stake& s) {
    if (s.empty())
      del(key_of(table::stake, k));
    else
      put(key_of(table::stake, k), encode(s));
  }

  std::optional<candidate> cand(std::string_view owner) const {
    auto r = raw(key_of(table::candidate, owner));
    if (!r)
      return std::nullopt;
    return must(decode_candidate(*r));
  }

  std::optional<node_record> node(std::string_view k) const {
    auto r = raw(key_of(table::node, k));
    if (!r)
      return std::nullopt;
    return must(decode_node(*r));
  }

  uint64_t u64(const std::string& key) const {
    auto r = raw(key);
    return r ? must(decode_u64(*r)) : 0;
  }
  void put_u64(const std::string& key, uint64_t v) {
    if (v == 0)
      del(key);
    else
      put(key, encode_u64(v));
  }

  void set_power(std::string_view node_key, uint64_t power) {
    auto n = node(node_key);
    if (!n)
      throw tx_reject{"node " + short_hex(node_key) + " is not registered"};
    auto wk = key_of(table::owner_power, n->owner);
    uint64_t total = u64(wk);
    total = sub(total, n->storage_power, "owner storage power below one of its nodes' (corrupt state)");
    total = add(total, power, "storage power");
    n->storage_power = power;
    put(key_of(table::node, node_key), encode(*n));
    put_u64(wk, total);
  }

private:
  const state_view& v_;
  state_sink* w_;
};

// Writes kept in memory over a read-only view: check_tx's dry run of a tx.
class scratch final : public state_view, public state_sink {
public:
  explicit scratch(const state_view& base) : base_(base) {}
  result<std::optional<std::string>> get(std::string_view key) const override {
    if (auto it = o_.find(key); it != o_.end())
      return it->second;
    return base_.get(key);
  }
  result<std::vector<std::pair<std::string, std::string>>> scan(std::string_view prefix) const override {
    auto base = base_.scan(prefix);
    if (!base)
      return base.err();
    std::map<std::string, std::string, std::less<>> merged(base->begin(), base->end());
    for (auto it = o_.lower_bound(prefix); it != o_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      if (it->second)
        merged[it->first] = *it->second;
      else
        merged.erase(it->first);
    }
    return std::vector<std::pair<std::string, std::string>>(merged.begin(), merged.end());
  }
  void put(std::string_view key, std::string_view value) override { o_[std::string(key)] = std::string(value); }
  void del(std::string_view key) override { o_[std::string(key)] = std::nullopt; }

private:
  const state_view& base_;
  std::map<std::string, std::optional<std::string>, std::less<>> o_;
};

// --- GPoS -----------------------------------------------------------------------------------

struct backing {
  std::string owner;
  candidate cand;
  uint64_t own = 0;
  std::vector<std::pair<std::string, uint64_t>> guarantees; // by guarantor key
  uint64_t total_bonded = 0;
  uint64_t power = 0;
  uint64_t limit = 0;
  exposure exp;
};

uint64_t stake_limit(uint64_t power, const chain_params& p) { return mul_div(power, p.stake_per_gib, gib); }

backing compute_backing(const tables& t, const chain_params& p, const std::string& owner, const candidate& c) {
  backing b;
  b.owner = owner;
  b.cand = c;
  b.own = t.stk(owner).own();
  uint64_t total = b.own;
  for (const auto& [k, v] : t.scan(key_of(table::guarantee, owner))) {
    uint64_t amount = must(decode_u64(v));
    b.guarantees.emplace_back(k.substr(1 + key_size), amount);
    total = add(total, amount, "stake on a candidate");
  }
  b.total_bonded = total;
  b.power = t.u64(key_of(table::owner_power, owner));
  b.limit = stake_limit(b.power, p);
  auto eff = [&](uint64_t s) { return total <= b.limit ? s : mul_div(s, b.limit, total); };
  b.exp.node_key = c.node_key;
  b.exp.commission_ppm = c.commission_ppm;
  b.exp.own = eff(b.own);
  b.exp.total = b.exp.own;
  for (const auto& [g, s] : b.guarantees) {
    uint64_t e = eff(s);
    if (e > 0)
      b.exp.guarantors.emplace_back(g, e);
    b.exp.total += e; // Σ eff ≤ total ≤ u64 max
  }
  return b;
}

// All candidates, best first.
std::vector<backing> rank_candidates(const tables& t, const chain_params& p) {
  std::vector<backing> all;
  for (const auto& [k, v] : t.scan(key_of(table::candidate))) {
    auto c = must(decode_candidate(v));
    all.push_back(compute_backing(t, p, k.substr(1), c));
  }
  std::sort(all.begin(), all.end(), [](const backing& a, const backing& b) {
    if (a.exp.total != b.exp.total)
      return a.exp.total > b.exp.total;
    return a.owner < b.owner;
  });
  return all;
}

using set_pairs = std::vector<std::pair<std::string, uint64_t>>;

set_pairs read_set(const tables& t) {
  auto r = t.raw(key_of(table::validators));
  return r ? must(decode_validator_set(*r)) : set_pairs{};
}

// Elects and installs the set for the next height. False (and nothing changed) if nobody has
// effective stake.
bool elect(tables& t, const chain_params& p) {
  auto ranked = rank_candidates(t, p);
  std::vector<backing*> chosen;
  for (auto& b : ranked) {
    if (chosen.size() >= p.validator_count)
      break;
    if (b.exp.total > 0)
      chosen.push_back(&b);
  }
  if (chosen.empty())
    return false;
  for (const auto& [k, v] : t.scan(key_of(table::exposure)))
    t.del(k);
  set_pairs set;
  for (auto* b : chosen) {
    t.put(key_of(table::exposure, b->owner), encode(b->exp));
    set.emplace_back(b->exp.node_key, b->exp.total);
  }
  std::sort(set.begin(), set.end());
  t.put(key_of(table::validators), encode_validator_set(set));
  return true;
}

// --- per-block steps ------------------------------------------------------------------------

void count_author(tables& t, std::string_view proposer) {
  auto n = t.node(proposer);
  if (!n)
    return; // an unregistered proposer cannot be paid; nothing to count
  auto k = key_of(table::authored, n->owner);
  t.put_u64(k, add(t.u64(k), 1, "block count"));
}

void slash(tables& t, const chain_params& p, era_info& era, uint64_t height, std::string_view offender,
           std::vector<state_event>& events) {
  auto n = t.node(offender);
  if (!n)
    return;
  const std::string& owner = n->owner;
  auto mark = key_of(table::slashed, owner);
  if (t.raw(mark))
    return; // once per era
  uint64_t total = 0;
  auto s = t.stk(owner);
  uint64_t own_cut = mul_div(s.own(), p.slash_ppm, ppm_one);
  s.bonded -= own_cut;
  total = add(total, own_cut, "slashed amount");
  // Funds still unbonding were at stake when the offence could have happened: unbonding right
  // after double-signing must not escape the slash.
  for (auto& c : s.unbonding)
    if (c.release_height > height) {
      uint64_t cut = mul_div(c.amount, p.slash_ppm, ppm_one);
      c.amount -= cut;
      total = add(total, cut, "slashed amount");
    }
  s.unbonding.erase(std::remove_if(s.unbonding.begin(), s.unbonding.end(),
                                   [](const unbonding_chunk& c) { return c.amount == 0; }),
                    s.unbonding.end());
  t.put_stake(owner, s);
  for (const auto& [k, v] : t.scan(key_of(table::guarantee, owner))) {
    std::string guarantor = k.substr(1 + key_size);
    uint64_t amount = must(decode_u64(v));
    uint64_t cut = mul_div(amount, p.slash_ppm, ppm_one);
    if (cut == 0)
      continue;
    auto gs = t.stk(guarantor);
    for (auto& e : gs.guarantees)
      if (e.target == owner)
        e.amount -= std::min(e.amount, cut);
    gs.guarantees.erase(std::remove_if(gs.guarantees.begin(), gs.guarantees.end(),
                                       [](const guarantee_entry& e) { return e.amount == 0; }),
                        gs.guarantees.end());
    gs.bonded = sub(gs.bonded, cut, "guarantor's bonded below its guarantee (corrupt state)");
    t.put_stake(guarantor, gs);
    t.put_u64(k, amount - cut);
    total = add(total, cut, "slashed amount");
  }
  era.pot = add(era.pot, total, "staking pot");
  t.del(key_of(table::candidate, owner));
  t.put_u64(mark, era.index + 1); // non-zero marker
  events.push_back({event_kind::slash, era.index, owner, total,
                    "slashed " + std::to_string(total) + " base units from validator " + short_hex(owner) +
                        " (node " + short_hex(offender) + ") for double signing; removed from candidates"});
}

// Pays the era's reward from the pot (see the header) and returns what was paid.
uint64_t pay_rewards(tables& t, const chain_params& p, era_info& era) {
  era.issuance = add(era.issuance, p.inflation_per_era, "issuance");
  era.pot = add(era.pot, p.inflation_per_era, "staking pot");
  const uint64_t reward = era.pot;
  std::set<std::string> slashed;
  for (const auto& [k, v] : t.scan(key_of(table::slashed)))
    slashed.insert(k.substr(1));
  std::map<std::string, exposure> exposures;
  for (const auto& [k, v] : t.scan(key_of(table::exposure)))
    if (!slashed.count(k.substr(1)))
      exposures.emplace(k.substr(1), must(decode_exposure(v)));

  uint64_t paid = 0;
  auto pay = [&](const std::string& who, uint64_t amount) {
    t.credit(who, amount);
    paid += amount; // Σ ≤ reward by construction
  };

  const uint64_t author_part = mul_div(reward, p.author_share_ppm, ppm_one);
  std::vector<std::pair<std::string, uint64_t>> authors;
  uint64_t blocks = 0;
  for (const auto& [k, v] : t.scan(key_of(table::authored))) {
    std::string owner = k.substr(1);
    if (slashed.count(owner))
      continue;
    uint64_t n = must(decode_u64(v));
    authors.emplace_back(owner, n);
    blocks += n;
  }
  if (blocks > 0)
    for (const auto& [owner, n] : authors)
      pay(owner, mul_div(author_part, n, blocks));

  const uint64_t stake_part = reward - author_part;
  uint64_t total_eff = 0;
  for (const auto& [owner, e] : exposures)
    total_eff = add(total_eff, e.total, "effective stake");
  if (total_eff > 0)
    for (const auto& [owner, e] : exposures) {
      if (e.total == 0)
        continue;
      uint64_t share = mul_div(stake_part, e.total, total_eff);
      uint64_t commission = mul_div(share, e.commission_ppm, ppm_one);
      uint64_t rest = share - commission;
      pay(owner, commission + mul_div(rest, e.own, e.total));
      for (const auto& [g, eff] : e.guarantors)
        pay(g, mul_div(rest, eff, e.total));
    }
  era.pot = reward - paid;
  return paid;
}

void close_era(tables& t, const chain_params& p, era_info& era, uint64_t height, block_outcome& out) {
  uint64_t paid = pay_rewards(t, p, era);
  for (const auto& [k, v] : t.scan(key_of(table::authored)))
    t.del(k);
  for (const auto& [k, v] : t.scan(key_of(table::slashed)))
    t.del(k);
  auto before = read_set(t);
  bool elected = elect(t, p);
  auto after = read_set(t);
  out.events.push_back({event_kind::era_change, era.index, {}, paid,
                        "era " + std::to_string(era.index) + " ended at height " + std::to_string(height) +
                            ": paid " + std::to_string(paid) + " base units, " + std::to_string(era.pot) +
                            " stay in the pot" +
                            (elected ? "" : "; no candidate has effective stake, the validator set stays")});
  if (before != after)
    out.events.push_back({event_kind::validator_set_change, era.index + 1, {}, 0,
                          "era " + std::to_string(era.index + 1) + " has " + std::to_string(after.size()) +
                              " validators"});
  era.index += 1;
  era.start_height = height + 1;
  era.last_reward = paid;
}

// --- transactions ---------------------------------------------------------------------------

struct decoded_tx {
  signed_tx tx;
  tx_body body;
};

// Everything about a tx that does not depend on the sender's account.
result<decoded_tx> decode_and_verify(std::string_view bytes, std::string_view chain_id, const chain_params& p,
                                     bool skip_signature = false) {
  tx_limits lim;
  lim.max_tx_bytes = p.max_tx_bytes;
  auto tx = decode_tx(bytes, lim);
  if (!tx)
    return tx.err();
  auto body = decode_body(*tx);
  if (!body)
    return body.err();
  if (!skip_signature && !verify_tx(chain_id, *tx))
    return make_error(errc::invalid_input, "bad signature (not signed by the sender for chain \"" +
                                               std::string(chain_id) + "\")");
  return decoded_tx{std::move(*tx), std::move(*body)};
}

// fee ≥ min_fee, except work reports and storage proofs of registered nodes (market_rules).
std::optional<std::string> fee_problem(const tables& t, const chain_params& p, const signed_tx& tx) {
  if (tx.fee >= p.min_fee || must(market::fee_exempt(t.view(), tx.type, tx.sender)))
    return std::nullopt;
  return "fee " + std::to_string(tx.fee) + " is below the minimum " + std::to_string(p.min_fee);
}

// Runs a market rule; its errc::invalid_input fails the tx, anything else the block.
template <class F>
void run_market(tables& t, const chain_params& p, uint64_t height, era_info& era, std::vector<state_event>& events,
                F f) {
  market::market_context c{t.view(), t.sink(), p, height, era, events};
  auto st = f(c);
  if (!st) {
    if (st.err().code == errc::invalid_input)
      throw tx_reject{st.err().message};
    throw state_fault{st.err()};
  }
}

struct executor {
  tables& t;
  const chain_params& p;
  const std::string& chain_id;
  era_info& era;
  uint64_t height;
  const std::string& sender;
  std::vector<state_event>& events;

  template <class F>
  void market(F f) {
    run_market(t, p, height, era, events, f);
  }

  void operator()(const txs::transfer& x) {
    if (x.amount == 0)
      throw tx_reject{"transfer: amount must be positive"};
    auto from = t.acct(sender);
    from.balance = sub(from.balance, x.amount,
                       "insufficient funds: balance " + std::to_string(from.balance) + " after the fee, transfer " +
                           std::to_string(x.amount));
    t.put_acct(sender, from);
    auto to = t.acct(x.to);
    to.balance = add(to.balance, x.amount, "recipient balance");
    t.put_acct(x.to, to);
  }
  void operator()(const txs::bond& x) {
    if (x.amount == 0)
      throw tx_reject{"bond: amount must be positive"};
    auto a = t.acct(sender);
    a.balance = sub(a.balance, x.amount,
                    "insufficient funds: balance " + std::to_string(a.balance) + " after the fee, bond " +
                        std::to_string(x.amount));
    t.put_acct(sender, a);
    auto s = t.stk(sender);
    s.bonded = add(s.bonded, x.amount, "bonded");
    t.put_stake(sender, s);
  }
  void operator()(const txs::unbond& x) {
    if (x.amount == 0)
      throw tx_reject{"unbond: amount must be positive"};
    auto s = t.stk(sender);
    if (x.amount > s.own())
      throw tx_reject{"unbond: only " + std::to_string(s.own()) +
                      " base units are bonded and not lent to guarantees (unguarantee first)"};
    if (s.unbonding.size() >= p.max_unbonding_chunks)
      throw tx_reject{"unbond: " + std::to_string(s.unbonding.size()) +
                      " unbonding chunks pending; withdraw released ones first"};
    s.bonded -= x.amount;
    s.unbonding.push_back({x.amount, add(height, p.unbonding_blocks, "release height")});
    t.put_stake(sender, s);
  }
  void operator()(const txs::withdraw_unbonded&) {
    auto s = t.stk(sender);
    uint64_t total = 0;
    std::optional<uint64_t> next;
    std::vector<unbonding_chunk> keep;
    for (const auto& c : s.unbonding) {
      if (c.release_height <= height) {
        total = add(total, c.amount, "withdrawn amount");
      } else {
        keep.push_back(c);
        next = next ? std::min(*next, c.release_height) : c.release_height;
      }
    }
    if (total == 0)
      throw tx_reject{"withdraw_unbonded: nothing released yet" +
                      (next ? "; next release at height " + std::to_string(*next) : std::string("; nothing is unbonding"))};
    s.unbonding = std::move(keep);
    t.put_stake(sender, s);
    t.credit(sender, total);
  }
  void operator()(const txs::validate& x) {
    auto n = t.node(x.node_key);
    if (!n || n->owner != sender)
      throw tx_reject{"validate: node " + short_hex(x.node_key) + " is not registered to the sender (register_node first)"};
    if (t.raw(key_of(table::slashed, sender)))
      throw tx_reject{"validate: slashed in this era; candidacy is possible again from the next era"};
    t.put(key_of(table::candidate, sender), encode(candidate{x.node_key, x.commission_ppm}));
  }
  void operator()(const txs::chill&) {
    if (!t.cand(sender))
      throw tx_reject{"chill: the sender is not a candidate"};
    t.del(key_of(table::candidate, sender));
  }
  void operator()(const txs::guarantee& x) {
    if (x.amount == 0)
      throw tx_reject{"guarantee: amount must be positive"};
    if (x.target == sender)
      throw tx_reject{"guarantee: a candidate cannot guarantee itself (its free bonded funds are its own stake)"};
    if (!t.cand(x.target))
      throw tx_reject{"guarantee: " + short_hex(x.target) + " is not a candidate"};
    auto s = t.stk(sender);
    if (x.amount > s.own())
      throw tx_reject{"guarantee: only " + std::to_string(s.own()) + " bonded base units are free to guarantee (bond first)"};
    auto it = std::lower_bound(s.guarantees.begin(), s.guarantees.end(), x.target,
                               [](const guarantee_entry& e, const std::string& k) { return e.target < k; });
    if (it != s.guarantees.end() && it->target == x.target) {
      it->amount = add(it->amount, x.amount, "guarantee");
    } else {
      if (s.guarantees.size() >= p.max_guarantee_targets)
        throw tx_reject{"guarantee: already guaranteeing " + std::to_string(s.guarantees.size()) +
                        " targets, the maximum"};
      s.guarantees.insert(it, guarantee_entry{x.target, x.amount});
    }
    t.put_stake(sender, s);
    auto gk = key_of(table::guarantee, x.target, sender);
    t.put_u64(gk, add(t.u64(gk), x.amount, "guarantee"));
  }
  void operator()(const txs::unguarantee& x) {
    auto s = t.stk(sender);
    auto it = std::find_if(s.guarantees.begin(), s.guarantees.end(),
                           [&](const guarantee_entry& e) { return e.target == x.target; });
    if (it == s.guarantees.end())
      throw tx_reject{"unguarantee: the sender does not guarantee " + short_hex(x.target)};
    s.guarantees.erase(it);
    t.put_stake(sender, s);
    t.del(key_of(table::guarantee, x.target, sender));
  }
  void operator()(const txs::register_node& x) {
    if (!node_identity::verify(x.node_key, register_node_sign_bytes(chain_id, sender), x.node_signature))
      throw tx_reject{"register_node: the node's signature does not cover this owner and chain"};
    if (auto n = t.node(x.node_key))
      throw tx_reject{"register_node: node " + short_hex(x.node_key) + " is already registered to " +
                      short_hex(n->owner)};
    t.put(key_of(table::node, x.node_key), encode(node_record{sender, 0}));
  }
  void operator()(const txs::place_order& x) {
    market([&](market::market_context& c) { return market::apply_place_order(c, sender, x); });
  }
  void operator()(const txs::add_prepaid& x) {
    market([&](market::market_context& c) { return market::apply_add_prepaid(c, sender, x); });
  }
  void operator()(const txs::work_report& x) {
    market([&](market::market_context& c) { return market::apply_work_report(c, sender, x); });
  }
  void operator()(const txs::storage_proof& x) {
    market([&](market::market_context& c) { return market::apply_storage_proof(c, sender, x); });
  }
};

// Runs one tx inside w's tx scope; throws tx_reject on failure (the caller rolls back).
void execute_tx(tables& t, const chain_params& p, const std::string& chain_id, era_info& era, uint64_t height,
                std::string_view bytes, bool skip_signature, std::vector<state_event>& events) {
  auto d = decode_and_verify(bytes, chain_id, p, skip_signature);
  if (!d)
    throw tx_reject{d.err().message};
  const auto& tx = d->tx;
  if (auto why = fee_problem(t, p, tx))
    throw tx_reject{*why};
  auto a = t.acct(tx.sender);
  if (tx.nonce != a.nonce)
    throw tx_reject{"wrong nonce " + std::to_string(tx.nonce) + ": the account's next nonce is " + std::to_string(a.nonce)};
  a.balance = sub(a.balance, tx.fee,
                  "insufficient funds for the fee: balance " + std::to_string(a.balance) + ", fee " + std::to_string(tx.fee));
  a.nonce = add(a.nonce, 1, "nonce");
  t.put_acct(tx.sender, a);
  era.pot = add(era.pot, tx.fee, "staking pot");
  std::visit(executor{t, p, chain_id, era, height, tx.sender, events}, d->body);
}

template <class F>
auto guarded(F f) -> decltype(f()) {
  try {
    return f();
  } catch (const state_fault& e) {
    return e.err;
  } catch (const tx_reject& e) {
    return make_error(errc::internal, "state transition: " + e.reason);
  } catch (const std::exception& e) {
    return make_error(errc::internal, std::string("state transition: ") + e.what());
  }
}

result<validator_set> to_validator_set(const set_pairs& pairs) {
  std::vector<validator_info> v;
  for (const auto& [k, p] : pairs)
    v.push_back({k, p});
  return make_validator_set(std::move(v));
}

} // namespace

const char* to_string(event_kind k) {
  switch (k) {
  case event_kind::slash: return "slash";
  case event_kind::era_change: return "era_change";
  case event_kind::validator_set_change: return "validator_set_change";
  case event_kind::order_live: return "order_live";
  case event_kind::replica_lost: return "replica_lost";
  case event_kind::report: return "work_report"; // the node event's kind (contract name)
  }
  return "unknown";
}

size_t block_outcome::failed_txs() const {
  return static_cast<size_t>(std::count_if(receipts.begin(), receipts.end(), [](const tx_receipt& r) { return !r.ok; }));
}

result<std::string> init_genesis(state_db& db, const genesis& g) {
  if (auto s = check_genesis(g); !s)
    return s.err();
  auto w = db.begin_write();
  if (!w)
    return w.err();
  if ((*w)->base().initialized)
    return make_error(errc::conflict, "the state already holds a chain (height " +
                                          std::to_string((*w)->base().height) + "); genesis applies only to an empty store");
  return guarded([&]() -> result<std::string> {
    tables t(**w, w->get());
    t.put(key_of(table::chain_id), g.chain_id);
    t.put(key_of(table::params), encode(g.params));
    era_info era;
    for (const auto& a : g.accounts) {
      t.credit(a.key, a.balance);
      era.issuance = add(era.issuance, a.balance, "issuance");
    }
    for (const auto& v : g.validators) {
      auto s = t.stk(v.owner);
      s.bonded = add(s.bonded, v.bonded, "bonded");
      t.put_stake(v.owner, s);
      era.issuance = add(era.issuance, v.bonded, "issuance");
      t.put(key_of(table::node, v.node_key), encode(node_record{v.owner, 0}));
      t.set_power(v.node_key, v.storage_power);
      t.put(key_of(table::candidate, v.owner), encode(candidate{v.node_key, v.commission_ppm}));
    }
    if (!elect(t, g.params))
      return make_error(errc::invalid_input,
                        "genesis: no validator has effective stake (needs bonded > 0 and storage_power × "
                        "stake_per_gib ≥ 2^30)");
    t.put_era(era);
    auto root = (*w)->finish(0);
    if (!root)
      return root.err();
    if (auto s = (*w)->commit(); !s)
      return s.err();
    return *root;
  });
}

result<tx_info> check_tx(const state_view& state, std::string_view bytes, uint64_t next_height) {
  return guarded([&]() -> result<tx_info> {
    tables t(state, nullptr);
    auto p = t.params();
    auto d = decode_and_verify(bytes, t.chain_id(), p);
    if (!d)
      return d.err();
    const auto& tx = d->tx;
    if (auto why = fee_problem(t, p, tx))
      return make_error(errc::invalid_input, *why);
    auto a = t.acct(tx.sender);
    if (tx.nonce < a.nonce)
      return make_error(errc::invalid_input, "nonce " + std::to_string(tx.nonce) +
                                                 " already used: the account's next nonce is " + std::to_string(a.nonce));
    uint64_t need = tx.fee;
    std::string what = "the fee";
    auto amount_of = [](const tx_body& b) -> uint64_t {
      if (auto x = std::get_if<txs::transfer>(&b))
        return x->amount;
      if (auto x = std::get_if<txs::bond>(&b))
        return x->amount;
      return 0;
    };
    if (uint64_t amount = amount_of(d->body); amount > 0) {
      if (need + amount < need)
        return make_error(errc::invalid_input, "overflow: fee + amount exceeds 2^64-1 base units");
      need += amount;
      what = "fee + amount";
    }
    if (a.balance < need)
      return make_error(errc::invalid_input, "insufficient funds: balance " + std::to_string(a.balance) + " < " +
                                                 what + " " + std::to_string(need));
    if (tx.nonce == a.nonce && next_height > 0) {
      // The next tx of its sender: run it on a scratch copy, so one that would fail (and so
      // pay nothing) never takes space in the mempool or a block.
      scratch sc(state);
      tables st(sc, &sc);
      auto era = st.era();
      std::vector<state_event> events;
      try {
        execute_tx(st, p, t.chain_id(), era, next_height, bytes, true, events);
      } catch (const tx_reject& e) {
        return make_error(errc::invalid_input, "would fail: " + e.reason);
      }
    }
    return tx_info{tx_hash(bytes), tx.sender, tx.nonce, tx.fee, bytes.size()};
  });
}

result<tx_info> check_tx(const state_db& db, std::string_view bytes) {
  auto r = db.begin_read();
  if (!r)
    return r.err();
  if (!(*r)->head().initialized)
    return make_error(errc::unavailable, "the chain state has no genesis yet");
  return check_tx(**r, bytes);
}

result<tx_info> check_tx(const state_read& committed, std::string_view bytes) {
  return check_tx(committed, bytes, committed.head().height + 1);
}

block_execution::~block_execution() { abort(); }

status block_execution::commit() {
  if (!write_)
    return make_error(errc::internal, "block execution already ended");
  auto s = write_->commit();
  write_.reset();
  return s;
}

void block_execution::abort() {
  if (write_) {
    write_->abort();
    write_.reset();
  }
}

result<std::unique_ptr<block_execution>> execute_block(state_db& db, const block_context& ctx,
                                                       const std::vector<std::string>& txs,
                                                       const tx_verified_fn& already_verified) {
  auto w = db.begin_write();
  if (!w)
    return w.err();
  state_write& sw = **w;
  if (!sw.base().initialized)
    return make_error(errc::unavailable, "the chain state has no genesis yet");
  if (ctx.height != sw.base().height + 1)
    return make_error(errc::invalid_input, "block height " + std::to_string(ctx.height) + " does not follow the state's height " +
                                               std::to_string(sw.base().height));
  std::unique_ptr<block_execution> ex(new block_execution());
  auto st = guarded([&]() -> status {
    tables t(sw, &sw);
    const auto p = t.params();
    const auto chain_id = t.chain_id();
    auto era = t.era();
    auto& out = ex->outcome_;
    out.height = ctx.height;
    auto before = read_set(t);

    count_author(t, ctx.proposer_node_key);
    std::set<std::string> seen;
    for (const auto& o : ctx.offenders)
      if (seen.insert(o).second)
        slash(t, p, era, ctx.height, o, out.events);
    run_market(t, p, ctx.height, era, out.events,
               [&](market::market_context& c) { return market::begin_block(c, ctx.prev_hash); });

    out.receipts.reserve(txs.size());
    for (const auto& bytes : txs) {
      tx_receipt r;
      r.hash = tx_hash(bytes);
      era_info era_before = era;
      std::vector<state_event> tx_events;
      sw.begin_tx();
      try {
        execute_tx(t, p, chain_id, era, ctx.height, bytes, already_verified && already_verified(r.hash), tx_events);
        sw.commit_tx();
        r.ok = true;
        out.events.insert(out.events.end(), tx_events.begin(), tx_events.end());
      } catch (const tx_reject& e) {
        sw.rollback_tx();
        era = era_before;
        r.reason = e.reason;
      } catch (...) {
        sw.rollback_tx();
        throw;
      }
      out.receipts.push_back(std::move(r));
    }

    if (ctx.height % p.era_blocks == 0) {
      close_era(t, p, era, ctx.height, out);
      run_market(t, p, ctx.height, era, out.events, [](market::market_context& c) { return market::open_era(c); });
    }
    t.put_era(era);

    auto after = read_set(t);
    out.validators_changed = before != after;
    auto vs = to_validator_set(after);
    if (!vs)
      return make_error(errc::corrupt, "validator set in state: " + vs.err().message);
    out.next_validators = std::move(*vs);
    auto root = sw.finish(ctx.height);
    if (!root)
      return root.err();
    out.state_root = std::move(*root);
    return {};
  });
  if (!st)
    return st.err();
  ex->write_ = std::move(*w);
  return ex;
}

result<block_outcome> apply_block(state_db& db, const block_context& ctx, const std::vector<std::string>& txs,
                                  const tx_verified_fn& already_verified) {
  auto ex = execute_block(db, ctx, txs, already_verified);
  if (!ex)
    return ex.err();
  if (auto s = (*ex)->commit(); !s)
    return s.err();
  return (*ex)->outcome();
}

status set_storage_power(state_write& w, std::string_view node_key, uint64_t power) {
  return set_storage_power(w, w, node_key, power);
}

status set_storage_power(const state_view& v, state_sink& w, std::string_view node_key, uint64_t power) {
  return guarded([&]() -> status {
    tables t(v, &w);
    t.set_power(node_key, power);
    return {};
  });
}

result<std::string> read_chain_id(const state_view& s) {
  return guarded([&]() -> result<std::string> { return tables(s, nullptr).chain_id(); });
}
result<chain_params> read_params(const state_view& s) {
  return guarded([&]() -> result<chain_params> { return tables(s, nullptr).params(); });
}
result<era_info> read_era(const state_view& s) {
  return guarded([&]() -> result<era_info> { return tables(s, nullptr).era(); });
}
result<account> read_account(const state_view& s, std::string_view key) {
  return guarded([&]() -> result<account> { return tables(s, nullptr).acct(key); });
}
result<stake> read_stake(const state_view& s, std::string_view key) {
  return guarded([&]() -> result<stake> { return tables(s, nullptr).stk(key); });
}
result<std::optional<candidate>> read_candidate(const state_view& s, std::string_view owner) {
  return guarded([&]() -> result<std::optional<candidate>> { return tables(s, nullptr).cand(owner); });
}
result<std::optional<node_record>> read_node(const state_view& s, std::string_view node_key) {
  return guarded([&]() -> result<std::optional<node_record>> { return tables(s, nullptr).node(node_key); });
}
result<uint64_t> read_owner_power(const state_view& s, std::string_view owner) {
  return guarded([&]() -> result<uint64_t> { return tables(s, nullptr).u64(key_of(table::owner_power, owner)); });
}
result<std::optional<exposure>> read_exposure(const state_view& s, std::string_view owner) {
  return guarded([&]() -> result<std::optional<exposure>> {
    auto r = tables(s, nullptr).raw(key_of(table::exposure, owner));
    if (!r)
      return std::optional<exposure>();
    return std::optional<exposure>(must(decode_exposure(*r)));
  });
}
result<validator_set> read_validators(const state_view& s) {
  return guarded([&]() -> result<validator_set> { return to_validator_set(read_set(tables(s, nullptr))); });
}
result<std::vector<candidate_status>> read_candidates(const state_view& s) {
  return guarded([&]() -> result<std::vector<candidate_status>> {
    tables t(s, nullptr);
    std::vector<candidate_status> out;
    for (const auto& b : rank_candidates(t, t.params())) {
      uint64_t guaranteed = 0;
      for (const auto& [g, v] : b.guarantees)
        guaranteed += v;
      out.push_back({b.owner, b.cand.node_key, b.cand.commission_ppm, b.own, guaranteed, b.limit, b.power, b.exp.total});
    }
    return out;
  });
}

} // namespace mantle::chain
