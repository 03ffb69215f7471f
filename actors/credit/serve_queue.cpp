#include "actors/credit/serve_queue.hpp"

#include <algorithm>
#include <cmath>

namespace mantle::credit {

serve_queue::serve_queue(limits l) : limits_(l) {}

double serve_queue::capacity() const {
  return static_cast<double>(limits_.burst != 0 ? limits_.burst : limits_.rate);
}

serve_queue::peer_state& serve_queue::state(const std::string& peer, clock::time_point now) {
  auto [it, fresh] = peers_.try_emplace(peer);
  if (fresh) {
    it->second.tokens = capacity(); // a new peer starts with a full bucket
    it->second.last = now;
  }
  refill(it->second, now);
  return it->second;
}

void serve_queue::refill(peer_state& p, clock::time_point now) const {
  if (now <= p.last)
    return;
  double seconds = std::chrono::duration<double>(now - p.last).count();
  p.tokens = std::min(capacity(), p.tokens + seconds * static_cast<double>(limits_.rate));
  p.last = now;
}

bool serve_queue::admissible(const peer_state& p, uint64_t bytes) const {
  return p.tokens >= std::min(static_cast<double>(bytes), capacity());
}

serve_queue::outcome serve_queue::submit(const std::string& peer, uint64_t bytes, uint64_t ticket,
                                         clock::time_point now) {
  if (limits_.rate == 0)
    return outcome::serve_now;
  auto& p = state(peer, now);
  if (p.queue.empty() && admissible(p, bytes)) {
    p.tokens -= static_cast<double>(bytes);
    return outcome::serve_now;
  }
  if (p.queue.size() >= limits_.max_per_peer || total_ >= limits_.max_total)
    return outcome::queue_full;
  // Bytes that must flow in before this request's turn, at `rate` per second.
  double ahead = static_cast<double>(p.queued_bytes) + std::min(static_cast<double>(bytes), capacity()) - p.tokens;
  if (ahead / static_cast<double>(limits_.rate) > std::chrono::duration<double>(limits_.max_wait).count())
    return outcome::queue_full;
  if (p.queue.empty())
    ring_.push_back(peer);
  p.queue.push_back(waiting{ticket, bytes});
  p.queued_bytes += bytes;
  ++total_;
  return outcome::queued;
}

std::vector<uint64_t> serve_queue::release(clock::time_point now) {
  std::vector<uint64_t> out;
  for (const auto& name : ring_)
    refill(peers_.at(name), now);
  // One request per peer per turn; stop after a whole turn in which nobody could go.
  size_t idle = 0;
  while (!ring_.empty() && idle < ring_.size()) {
    std::string name = std::move(ring_.front());
    ring_.pop_front();
    auto& p = peers_.at(name);
    if (admissible(p, p.queue.front().bytes)) {
      p.tokens -= static_cast<double>(p.queue.front().bytes);
      out.push_back(p.queue.front().ticket);
      p.queued_bytes -= p.queue.front().bytes;
      p.queue.pop_front();
      --total_;
      idle = 0;
    } else {
      ++idle;
    }
    if (!p.queue.empty())
      ring_.push_back(std::move(name));
  }
  return out;
}

std::optional<serve_queue::clock::duration> serve_queue::next_release(clock::time_point now) const {
  std::optional<clock::duration> best;
  for (const auto& name : ring_) {
    const auto& p = peers_.at(name);
    double elapsed = now > p.last ? std::chrono::duration<double>(now - p.last).count() : 0.0;
    double tokens = std::min(capacity(), p.tokens + elapsed * static_cast<double>(limits_.rate));
    double need = std::min(static_cast<double>(p.queue.front().bytes), capacity()) - tokens;
    clock::duration wait = clock::duration::zero();
    if (need > 0) // rounded up: waking just before the tokens are there would be a wasted turn
      wait = std::chrono::duration_cast<clock::duration>(
               std::chrono::duration<double>(need / static_cast<double>(limits_.rate))) +
             std::chrono::microseconds(1);
    if (!best || wait < *best)
      best = wait;
  }
  return best;
}

std::vector<uint64_t> serve_queue::drop(const std::string& peer) {
  std::vector<uint64_t> out;
  auto it = peers_.find(peer);
  if (it == peers_.end())
    return out;
  for (const auto& w : it->second.queue)
    out.push_back(w.ticket);
  total_ -= it->second.queue.size();
  it->second.queue.clear();
  it->second.queued_bytes = 0;
  ring_.erase(std::remove(ring_.begin(), ring_.end(), peer), ring_.end());
  return out;
}

std::vector<uint64_t> serve_queue::drop_all() {
  std::vector<uint64_t> out;
  while (!ring_.empty()) {
    auto d = drop(ring_.front());
    out.insert(out.end(), d.begin(), d.end());
  }
  return out;
}

size_t serve_queue::queued(const std::string& peer) const {
  auto it = peers_.find(peer);
  return it == peers_.end() ? 0 : it->second.queue.size();
}

} // namespace mantle::credit
