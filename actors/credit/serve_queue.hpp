// Per-peer rate limit for serving blocks, as pure logic (no CAF, time passed in): each
// untrusted peer has a token bucket of `rate` bytes per second holding at most `burst` bytes.
// A request the bucket cannot cover waits in that peer's FIFO queue; queues are released
// round-robin across peers, so a peer with a long backlog never delays another peer's turn.
// Nothing is dropped silently: a request is served now, queued (and released later), or
// refused at once with queue_full when its peer's queue or the whole queue is at its bound, or
// when its turn would come only after limits.max_wait.
#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mantle::credit {

class serve_queue {
public:
  using clock = std::chrono::steady_clock;

  struct limits {
    uint64_t rate = 0;          // bytes per second per peer; 0 = unlimited (nothing ever waits)
    uint64_t burst = 0;         // bucket size; 0 = one second's worth of `rate`
    size_t max_per_peer = 256;  // one flooding peer cannot take the whole queue
    size_t max_total = 4096;
    // A request that would wait longer than this behind its peer's queue is refused at once:
    // callers time out (the exchange after 60 s), and an answer after that would be wasted.
    std::chrono::milliseconds max_wait{30000};
  };

  enum class outcome { serve_now, queued, queue_full };

  explicit serve_queue(limits l);

  // `ticket` identifies the request to the caller (it comes back from release/drop).
  outcome submit(const std::string& peer, uint64_t bytes, uint64_t ticket, clock::time_point now);
  // Tickets whose turn has come, in the order they should be answered.
  std::vector<uint64_t> release(clock::time_point now);
  // How long until release() can free something; nullopt when nothing waits.
  std::optional<clock::duration> next_release(clock::time_point now) const;
  // Removes and returns the tickets waiting for `peer` (cut peer) or for everyone (shutdown).
  std::vector<uint64_t> drop(const std::string& peer);
  std::vector<uint64_t> drop_all();

  size_t queued() const { return total_; }
  size_t queued(const std::string& peer) const;
  const limits& options() const { return limits_; }

private:
  struct waiting {
    uint64_t ticket;
    uint64_t bytes;
  };
  struct peer_state {
    double tokens = 0;
    clock::time_point last;
    std::deque<waiting> queue;
    uint64_t queued_bytes = 0;
  };

  peer_state& state(const std::string& peer, clock::time_point now);
  void refill(peer_state& p, clock::time_point now) const;
  // A request is admitted once the bucket holds its size, or is full for one larger than the
  // bucket (which then goes negative: the long-run rate still holds).
  bool admissible(const peer_state& p, uint64_t bytes) const;
  double capacity() const;

  limits limits_;
  std::map<std::string, peer_state> peers_;
  std::deque<std::string> ring_; // peers with a non-empty queue, in round-robin order
  size_t total_ = 0;
};

} // namespace mantle::credit
