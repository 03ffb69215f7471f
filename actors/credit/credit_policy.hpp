// The credit ledger's serving decision, as pure logic (no CAF): per-peer byte counters, the
// debt ratio r = sent / (received + 1), and the rule that an untrusted peer is served with
// probability 1 - 1/(1 + e^(6 - 3r)) (Bitswap's original strategy). A peer that only takes
// sees its chance fall from 99.75% (r = 0) to 50% (r = 2) to 0.25% (r = 4); a peer that gives
// as much as it takes stays near r = 1 (95%). Trusted peers are always served; a cut peer
// (one that sent a wrong block) never is.
//
// The probability is computed in double and stays inside this process: messages carry bytes.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>
#include "storage/credit_store.hpp"

namespace mantle::credit {

double debt_ratio(const peer_credit& c);
double serve_probability(double debt_ratio);
// A uniform value in [0, 1) from the top 53 bits of `bits`: exact, and the same on every
// platform (std::uniform_real_distribution is not), so seeded tests have exact outcomes.
double unit_interval(uint64_t bits);

enum class verdict : uint8_t {
  serve,        // trusted, or the draw fell under the serve probability
  refuse_ratio, // the draw said no: the peer owes too much
  refuse_cut,   // the peer misbehaved
};
const char* to_string(verdict v);

class credit_policy {
public:
  using random_bits = std::function<uint64_t()>;

  // `draw` supplies 64 random bits per decision (tests pass a seeded generator).
  credit_policy(std::set<std::string> trusted, random_bits draw);

  // Starts from persisted counters (replaces what is there).
  void load(std::map<std::string, peer_credit> accounts);

  // Adds deltas (saturating) and counts one exchange when either is non-zero.
  void record(const std::string& peer, uint64_t sent, uint64_t received);
  void cut(const std::string& peer);

  // "*" in the trusted set trusts every peer (a private cluster whose nodes all trust each other).
  bool is_trusted(const std::string& peer) const { return trusted_.count(peer) != 0 || trusted_.count("*") != 0; }
  bool is_cut(const std::string& peer) const { return cut_.count(peer) != 0; }

  // Draws only for untrusted, uncut peers, so trusted traffic does not shift the sequence.
  verdict decide(const std::string& peer);

  peer_credit account(const std::string& peer) const; // zeros for a peer never seen
  const std::map<std::string, peer_credit>& accounts() const { return accounts_; }
  // Every known peer (recorded, trusted or cut), sorted by peer id.
  std::vector<ledger_entry> entries() const;

  // The accounts changed since the last clear_changed() (absolute values), for a batched
  // save; cleared only once the save succeeded, so a failed write is retried with the next one.
  std::map<std::string, peer_credit> changed() const;
  void clear_changed() { changed_.clear(); }
  bool has_changes() const { return !changed_.empty(); }

private:
  std::set<std::string> trusted_;
  std::set<std::string> cut_;
  random_bits draw_;
  std::map<std::string, peer_credit> accounts_;
  std::set<std::string> changed_;
};

} // namespace mantle::credit
