// The credit ledger's serving decision, as pure logic (no CAF): per-peer byte counters, the
// debt ratio r = sent units / (received units + 1), and the rule that an untrusted peer is
// served with probability 1 - 1/(1 + e^(6 - 3r)) (Bitswap's original strategy). A peer that
// only takes sees its chance fall from 99.75% (r = 0) to 50% (r = 2) to 0.25% (r = 4); a peer
// that gives as much as it takes stays near r = 1 (95%). Trusted peers are always served; a
// cut peer (one that sent a wrong block) never is. Trusted are the configured peers and, with
// the chain on, every node with a valid recent work report (DESIGN.md: a storage node that
// proves its storage has stake in the network and is served without the throttle).
//
// The ratio counts in credit units (default 1 MiB), not bytes: with bytes the "+ 1" is one
// byte, so a newcomer that has given nothing yet would be at r = 262144 after its first
// 256 KiB block and refused from then on. In units, a newcomer gets about two units (2 MiB)
// before its chance falls to one half, which is the room a new node needs to start trading.
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

constexpr uint64_t default_credit_unit = uint64_t{1} << 20;

// sent / unit over received / unit + 1, from the byte counters (unit >= 1; 0 is taken as 1).
double debt_ratio(const peer_credit& c, uint64_t unit = default_credit_unit);
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

  // `draw` supplies 64 random bits per decision (tests pass a seeded generator); `unit` is
  // the credit unit in bytes (0 is taken as 1).
  credit_policy(std::set<std::string> trusted, random_bits draw, uint64_t unit = default_credit_unit);

  uint64_t unit() const { return unit_; }
  // This peer's debt ratio in credit units.
  double ratio(const std::string& peer) const { return debt_ratio(account(peer), unit_); }

  // Starts from persisted counters (replaces what is there).
  void load(std::map<std::string, peer_credit> accounts);

  // Adds deltas (saturating) and counts one exchange when either is non-zero.
  void record(const std::string& peer, uint64_t sent, uint64_t received);
  void cut(const std::string& peer);

  // "*" in the trusted set trusts every peer (a private cluster whose nodes all trust each other).
  // Peers in the chain-trusted set (nodes with a valid recent work report, chain_trust.hpp) are
  // trusted too, for as long as the chain says so.
  bool is_trusted(const std::string& peer) const {
    return trusted_.count(peer) != 0 || trusted_.count("*") != 0 || chain_trusted_.count(peer) != 0;
  }
  // Replaces the chain-trusted set (the configured trusted peers stay).
  void set_chain_trusted(std::set<std::string> peers) { chain_trusted_ = std::move(peers); }
  const std::set<std::string>& chain_trusted() const { return chain_trusted_; }
  bool is_cut(const std::string& peer) const { return cut_.count(peer) != 0; }

  // Draws only for untrusted, uncut peers, so trusted traffic does not shift the sequence.
  // Serving `bytes` to an untrusted peer promises them: they count as sent in its ratio until
  // record() reports them sent, or until two age_promises() calls passed. Without that, a burst
  // of requests decided before the first record arrives would all be judged at the old ratio
  // (a free-rider asking for a whole file at once would get it at r = 0).
  verdict decide(const std::string& peer, uint64_t bytes = 0);
  // Forgets promises older than one call: bytes approved but never sent (a cancel, a lost
  // peer, a request that waited too long) stop counting after one to two calls.
  void age_promises();
  uint64_t promised(const std::string& peer) const;
  bool promised_any() const { return !promised_now_.empty() || !promised_before_.empty(); }

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
  std::set<std::string> chain_trusted_;
  std::set<std::string> cut_;
  random_bits draw_;
  uint64_t unit_;
  std::map<std::string, peer_credit> accounts_;
  std::set<std::string> changed_;
  std::map<std::string, uint64_t> refused_; // debt-ratio refusals per peer (not persisted)
  // Approved, not yet recorded as sent: this period's and the previous one's (age_promises).
  std::map<std::string, uint64_t> promised_now_, promised_before_;
};

} // namespace mantle::credit
