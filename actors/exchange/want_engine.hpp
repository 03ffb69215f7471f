// The fetching half of the block exchange as pure logic (no CAF): which peer to ask for which
// block, Bitswap 1.2 style. A wanted block is first asked for with want-have from every
// connected peer (or with want-block straight away from peers hinted to have it, e.g. the
// holders of its parent block); want-block then goes to the least loaded peer that has it,
// within a window per peer and a window in total, so a large DAG spreads over several peers.
// A dont_have, a disconnect or a slow peer moves the request to another peer; the first copy
// to arrive wins and the other requests are cancelled. A want fails (take_failures) as soon as
// every connected peer has said it does not have the block. A not_now (the peer has the block
// but its credit ledger will not serve us yet) moves the request to another holder when there
// is one and otherwise asks the same peer again after a backoff, so credit throttles a
// download instead of failing it; the caller's timeout bounds the wait.
//
// The actor feeds it events and sends what take_outgoing() returns; time is passed in so the
// tests drive it deterministically. The caller verifies a block's bytes against its CID before
// on_block(): the engine only judges whether the block was asked for.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "storage/cid.hpp"
#include "storage/result.hpp"

namespace mantle::exchange {

using clock = std::chrono::steady_clock;

enum class msg_kind : uint8_t { want_have, want_block, cancel };

// One message to send: `kind` for `cids` to `peer`.
struct outgoing {
  std::string peer;
  msg_kind kind;
  std::vector<cid> cids;
};

struct engine_limits {
  // want-blocks outstanding at one peer (8 MiB of 256 KiB blocks). Measured, not guessed:
  // with CAF's decode worker (session 5: 512 MiB on tmpfs, loaded 2-core VM, MB/s over 3-5
  // runs: 8 -> 194-238, 16 -> 173-443, 24 -> 97-252, 32 -> 108-308) 16 was best; since peer
  // messages are decoded on the network thread (--peer-decode-threads 0), 32 fetches 1 GiB
  // over TLS faster than 16 in 9 of 11 interleaved pairs with less CPU per GiB in 10, and 64
  // is slower again (bench_exchange, BENCH_WINDOW).
  size_t per_peer = 32;
  size_t total = 256;   // want-blocks outstanding over all peers
  // Unanswered want-haves at one peer; the rest wait. Below what a serving node accepts
  // (want_limits::max_pending), so a wide DAG with no known holder is never refused.
  size_t have_per_peer = 1024;
  // A want-block unanswered this long is also sent to another peer that has the block.
  std::chrono::milliseconds slow_after{5000};
  // After a not_now the peer is asked again after this long, doubling per refusal of the same
  // block up to not_now_max.
  std::chrono::milliseconds not_now_first{1000};
  std::chrono::milliseconds not_now_max{8000};
};

struct failure {
  cid id;
  error err;
};

enum class block_verdict {
  wanted,     // the first copy of a block we asked this peer for
  duplicate,  // asked for, but another copy already arrived (or the want was dropped)
  unrequested // never asked from this peer: the peer misbehaves
};

struct block_outcome {
  block_verdict verdict;
  std::vector<std::string> holders; // peers known to have it (hints for its children)
};

class want_engine {
public:
  explicit want_engine(engine_limits limits = {}) : limits_(limits) {}

  // False (and ignored) for a banned peer.
  bool peer_up(const std::string& p);
  // Its outstanding requests go to other peers.
  void peer_down(const std::string& p);
  // A misbehaving peer: disconnected from every want and never used again.
  void ban(const std::string& p);
  bool connected(const std::string& p) const { return peers_.count(p) != 0; }
  bool banned(const std::string& p) const { return banned_.count(p) != 0; }
  size_t peer_count() const { return peers_.size(); }

  // Adds a want; a no-op when the block is already wanted (apart from adding hints).
  void want(const cid& c, const std::vector<std::string>& hints = {});
  bool wanted(const cid& c) const { return wants_.count(c.mh) != 0; }
  // Every block being fetched, sorted by CID bytes (the wantlist Kubo's bitswap/stat shows).
  std::vector<cid> wantlist() const;
  // Nobody waits for the block any more: outstanding requests are cancelled.
  void drop(const cid& c);

  void on_have(const std::string& p, const cid& c);
  void on_dont_have(const std::string& p, const cid& c);
  // The peer has the block but will not serve it now (credit); ignored unless it was asked.
  void on_not_now(const std::string& p, const cid& c, clock::time_point now);
  // Connected peers that answered not_now for a block still wanted (for timeout messages).
  std::vector<std::string> deferring(const cid& c) const;
  block_outcome on_block(const std::string& p, const cid& c);

  // Notices slow requests; call now and then while wants are open.
  void tick(clock::time_point now);
  // Schedules what can be scheduled and returns the messages to send, grouped per peer and kind.
  std::vector<outgoing> take_outgoing(clock::time_point now);
  std::vector<failure> take_failures();

  size_t wants() const { return wants_.size(); }
  size_t in_flight() const { return total_inflight_; }
  size_t in_flight(const std::string& p) const;
  size_t haves_in_flight(const std::string& p) const;

private:
  struct want_state {
    cid id;
    std::set<std::string> has;         // said have, or hinted
    std::set<std::string> asked_have;  // want-have sent, no answer yet
    std::set<std::string> refused;     // said dont_have, or was slow while others had it
    std::set<std::string> asked_block; // ever sent want-block: their copies are legitimate
    std::set<std::string> requested;   // want-block outstanding
    std::map<std::string, clock::time_point> later; // said not_now: ask again from then on
    std::map<std::string, unsigned> not_nows;       // per peer, for the backoff
    clock::time_point last_request{};
    bool hedge = false;  // slow: ask one more peer
    bool queued = false; // in queue_
  };

  void enqueue(want_state& w);
  // Whether `p` deferred this want and its backoff has not run out yet.
  static bool deferred(const want_state& w, const std::string& p, clock::time_point now);
  void schedule(want_state& w, clock::time_point now, std::deque<std::string>& retry);
  void release(want_state& w, const std::string& p);
  // Sends a want-have unless one is outstanding or the peer's want-have window is full.
  bool ask_have(want_state& w, const std::string& p);
  void have_answered(want_state& w, const std::string& p);
  void send(const std::string& p, msg_kind k, const cid& c);
  void remember_done(const want_state& w);
  // Ends a want: outstanding requests are cancelled (except at the peer it came from).
  void finish(std::unordered_map<std::string, want_state>::iterator it,
              const std::string* got_from = nullptr);
  bool room() const;

  engine_limits limits_;
  std::set<std::string> peers_;
  std::set<std::string> banned_;
  std::unordered_map<std::string, want_state> wants_; // by multihash
  std::deque<std::string> queue_;                     // multihashes that need a peer
  std::unordered_map<std::string, size_t> inflight_;  // want-blocks outstanding per peer
  size_t total_inflight_ = 0;
  std::unordered_map<std::string, size_t> have_inflight_; // want-haves outstanding per peer
  std::map<std::pair<std::string, msg_kind>, std::vector<cid>> outbox_;
  std::vector<failure> failures_;
  // (peer, multihash) of recently finished wants, so a copy that was already on its way when
  // the want finished is a harmless duplicate rather than an unrequested block. Bounded.
  std::unordered_set<std::string> done_;
  std::deque<std::string> done_order_;
};

} // namespace mantle::exchange
