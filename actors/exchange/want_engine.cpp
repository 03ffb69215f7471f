#include "actors/exchange/want_engine.hpp"

#include <algorithm>

namespace mantle::exchange {

namespace {

constexpr size_t done_memory = 16384;

std::string done_key(const std::string& peer, const std::string& mh) { return peer + '\0' + mh; }

} // namespace

bool want_engine::peer_up(const std::string& p) {
  if (banned_.count(p))
    return false;
  if (!peers_.insert(p).second)
    return true;
  // Wants that are still looking for a holder may find one at the new peer.
  for (auto& [mh, w] : wants_)
    if (w.requested.empty() || w.hedge)
      enqueue(w);
  return true;
}

void want_engine::peer_down(const std::string& p) {
  if (!peers_.erase(p))
    return;
  for (auto& [mh, w] : wants_) {
    bool was_requested = w.requested.count(p) != 0;
    if (was_requested)
      release(w, p);
    w.has.erase(p);
    w.asked_have.erase(p);
    w.refused.erase(p); // a reconnected peer may have fetched it meanwhile
    w.later.erase(p);
    w.not_nows.erase(p);
    if (w.requested.empty())
      enqueue(w);
  }
  inflight_.erase(p);
  have_inflight_.erase(p);
  for (auto it = outbox_.begin(); it != outbox_.end();)
    it = it->first.first == p ? outbox_.erase(it) : std::next(it);
}

void want_engine::ban(const std::string& p) {
  banned_.insert(p);
  peer_down(p);
}

void want_engine::want(const cid& c, const std::vector<std::string>& hints) {
  auto [it, inserted] = wants_.try_emplace(c.mh);
  auto& w = it->second;
  if (inserted)
    w.id = c;
  for (auto& h : hints)
    if (peers_.count(h) && !w.refused.count(h))
      w.has.insert(h);
  if (w.requested.empty())
    enqueue(w);
}

void want_engine::drop(const cid& c) {
  auto it = wants_.find(c.mh);
  if (it == wants_.end())
    return;
  finish(it);
}

void want_engine::on_have(const std::string& p, const cid& c) {
  auto it = wants_.find(c.mh);
  if (it == wants_.end() || !peers_.count(p))
    return;
  auto& w = it->second;
  have_answered(w, p);
  if (w.refused.count(p))
    return;
  w.has.insert(p);
  if (w.requested.empty() || w.hedge)
    enqueue(w);
}

void want_engine::on_dont_have(const std::string& p, const cid& c) {
  auto it = wants_.find(c.mh);
  if (it == wants_.end() || !peers_.count(p))
    return;
  auto& w = it->second;
  have_answered(w, p);
  w.has.erase(p);
  w.refused.insert(p);
  w.later.erase(p);
  if (w.requested.count(p))
    release(w, p);
  if (w.requested.empty() || w.hedge)
    enqueue(w);
}

void want_engine::on_not_now(const std::string& p, const cid& c, clock::time_point now) {
  auto it = wants_.find(c.mh);
  if (it == wants_.end() || !peers_.count(p) || !it->second.requested.count(p))
    return;
  auto& w = it->second;
  release(w, p);
  w.has.insert(p);
  auto doublings = std::min(w.not_nows[p]++, 10u);
  auto delay = std::min<std::chrono::milliseconds>(limits_.not_now_first * (1u << doublings), limits_.not_now_max);
  w.later[p] = now + delay;
  enqueue(w); // another holder may serve it now
}

std::vector<cid> want_engine::wantlist() const {
  std::vector<cid> out;
  out.reserve(wants_.size());
  for (auto& [mh, w] : wants_)
    out.push_back(w.id);
  std::sort(out.begin(), out.end(), [](const cid& a, const cid& b) { return a.bytes() < b.bytes(); });
  return out;
}

std::vector<std::string> want_engine::deferring(const cid& c) const {
  std::vector<std::string> out;
  auto it = wants_.find(c.mh);
  if (it != wants_.end())
    for (auto& [p, t] : it->second.later)
      if (peers_.count(p))
        out.push_back(p);
  return out;
}

bool want_engine::deferred(const want_state& w, const std::string& p, clock::time_point now) {
  auto l = w.later.find(p);
  return l != w.later.end() && l->second > now;
}

block_outcome want_engine::on_block(const std::string& p, const cid& c) {
  auto it = wants_.find(c.mh);
  if (it == wants_.end() || !it->second.asked_block.count(p)) {
    if (done_.count(done_key(p, c.mh)))
      return {block_verdict::duplicate, {}};
    return {block_verdict::unrequested, {}};
  }
  auto& w = it->second;
  block_outcome out{block_verdict::wanted, {}};
  for (auto& h : w.has)
    if (peers_.count(h))
      out.holders.push_back(h);
  if (peers_.count(p) && !w.has.count(p))
    out.holders.push_back(p);
  finish(it, &p);
  return out;
}

void want_engine::tick(clock::time_point now) {
  for (auto& [mh, w] : wants_) {
    // A deferring peer's backoff ran out: ask it again.
    if (w.requested.empty() && !w.queued)
      for (auto& [p, t] : w.later)
        if (t <= now && peers_.count(p)) {
          enqueue(w);
          break;
        }
    if (w.requested.empty() || w.hedge || now - w.last_request < limits_.slow_after)
      continue;
    // Only worth it when some other peer may have the block.
    bool other = false;
    for (auto& p : peers_)
      if (!w.requested.count(p) && !w.refused.count(p) && !deferred(w, p, now))
        other = true;
    if (other) {
      w.hedge = true;
      enqueue(w);
    }
  }
}

std::vector<outgoing> want_engine::take_outgoing(clock::time_point now) {
  // Every window full: the queue waits for a slot, in order, untouched (walking thousands of
  // queued wants on every arrival was a measurable share of a large fetch). Wants that only
  // need a want-have wait too; they are asked as soon as a block arrives.
  std::deque<std::string> retry;
  while (!queue_.empty() && room()) {
    auto mh = std::move(queue_.front());
    queue_.pop_front();
    auto it = wants_.find(mh);
    if (it == wants_.end() || !it->second.queued)
      continue;
    it->second.queued = false;
    schedule(it->second, now, retry);
  }
  // Wants that found their holders busy go first next time, in the order they came.
  for (auto r = retry.rbegin(); r != retry.rend(); ++r)
    if (auto it = wants_.find(*r); it != wants_.end() && !it->second.queued) {
      it->second.queued = true;
      queue_.push_front(*r);
    }
  std::vector<outgoing> out;
  for (auto& [key, cids] : outbox_)
    out.push_back(outgoing{key.first, key.second, std::move(cids)});
  outbox_.clear();
  return out;
}

std::vector<failure> want_engine::take_failures() {
  std::vector<failure> out;
  out.swap(failures_);
  return out;
}

size_t want_engine::in_flight(const std::string& p) const {
  auto it = inflight_.find(p);
  return it == inflight_.end() ? 0 : it->second;
}

bool want_engine::room() const {
  if (total_inflight_ >= limits_.total)
    return false;
  for (auto& p : peers_)
    if (in_flight(p) < limits_.per_peer)
      return true;
  return peers_.empty(); // with no peer the queue drains into failures
}

void want_engine::enqueue(want_state& w) {
  if (w.queued)
    return;
  w.queued = true;
  queue_.push_back(w.id.mh);
}

void want_engine::schedule(want_state& w, clock::time_point now, std::deque<std::string>& retry) {
  if (!w.requested.empty() && !w.hedge)
    return;
  // Peers that might still give us the block.
  std::vector<std::string> candidates;
  bool waiting_for_deferred = false;
  for (auto& p : peers_) {
    if (w.refused.count(p) || w.requested.count(p))
      continue;
    if (deferred(w, p, now))
      waiting_for_deferred = true;
    else
      candidates.push_back(p);
  }
  if (candidates.empty()) {
    if (!w.requested.empty()) {
      w.hedge = false; // nobody else to ask: keep waiting for the slow one
      return;
    }
    if (waiting_for_deferred)
      return; // tick() queues it again when a backoff runs out
    std::string text = "block " + w.id.str() + " not found: ";
    text += peers_.empty() ? "no peer is connected"
                           : "none of the " + std::to_string(peers_.size()) + " connected peers has it";
    failures_.push_back(failure{w.id, make_error(errc::not_found, std::move(text))});
    // erase now; waiters learn it from take_failures()
    for (auto p : std::vector<std::string>(w.asked_have.begin(), w.asked_have.end()))
      have_answered(w, p);
    auto it = wants_.find(w.id.mh);
    remember_done(it->second);
    wants_.erase(it);
    return;
  }
  // Least loaded holder with room in its window.
  const std::string* best = nullptr;
  bool holder_exists = false;
  for (auto& p : candidates) {
    if (!w.has.count(p))
      continue;
    holder_exists = true;
    if (in_flight(p) >= limits_.per_peer)
      continue;
    if (!best || in_flight(p) < in_flight(*best))
      best = &p;
  }
  if (holder_exists) {
    if (!best || total_inflight_ >= limits_.total) {
      retry.push_back(w.id.mh); // windows full: try again when a slot frees
      // The holders are busy: look for more of them, so a large DAG spreads over every peer
      // that has it instead of queueing behind the first one.
      if (!best && total_inflight_ < limits_.total)
        for (auto& p : candidates)
          if (!w.has.count(p))
            ask_have(w, p);
      return;
    }
    w.requested.insert(*best);
    w.asked_block.insert(*best);
    w.later.erase(*best);
    w.last_request = now;
    w.hedge = false;
    ++inflight_[*best];
    ++total_inflight_;
    send(*best, msg_kind::want_block, w.id);
    return;
  }
  // Nobody known to have it: ask everyone not asked yet; their answers re-queue the want.
  // A peer whose want-have window is full is asked later.
  bool deferred = false;
  for (auto& p : candidates)
    if (!ask_have(w, p))
      deferred = true;
  if (deferred)
    retry.push_back(w.id.mh);
}

bool want_engine::ask_have(want_state& w, const std::string& p) {
  if (w.asked_have.count(p))
    return true;
  auto& n = have_inflight_[p];
  if (n >= limits_.have_per_peer)
    return false;
  ++n;
  w.asked_have.insert(p);
  send(p, msg_kind::want_have, w.id);
  return true;
}

void want_engine::have_answered(want_state& w, const std::string& p) {
  if (!w.asked_have.erase(p))
    return;
  if (auto it = have_inflight_.find(p); it != have_inflight_.end() && it->second > 0)
    --it->second;
}

size_t want_engine::haves_in_flight(const std::string& p) const {
  auto it = have_inflight_.find(p);
  return it == have_inflight_.end() ? 0 : it->second;
}

void want_engine::release(want_state& w, const std::string& p) {
  if (!w.requested.erase(p))
    return;
  if (auto it = inflight_.find(p); it != inflight_.end() && it->second > 0)
    --it->second;
  if (total_inflight_ > 0)
    --total_inflight_;
}

void want_engine::send(const std::string& p, msg_kind k, const cid& c) {
  outbox_[{p, k}].push_back(c);
}

void want_engine::remember_done(const want_state& w) {
  for (auto& p : w.asked_block) {
    auto key = done_key(p, w.id.mh);
    if (done_.insert(key).second)
      done_order_.push_back(std::move(key));
  }
  while (done_order_.size() > done_memory) {
    done_.erase(done_order_.front());
    done_order_.pop_front();
  }
}

void want_engine::finish(std::unordered_map<std::string, want_state>::iterator it,
                         const std::string* got_from) {
  auto& w = it->second;
  for (auto& p : w.requested) {
    if (auto f = inflight_.find(p); f != inflight_.end() && f->second > 0)
      --f->second;
    if (total_inflight_ > 0)
      --total_inflight_;
    if (!got_from || p != *got_from)
      send(p, msg_kind::cancel, w.id);
  }
  w.requested.clear();
  for (auto& p : w.asked_have) {
    if (auto h = have_inflight_.find(p); h != have_inflight_.end() && h->second > 0)
      --h->second;
    if (!got_from || p != *got_from)
      send(p, msg_kind::cancel, w.id);
  }
  remember_done(w);
  wants_.erase(it);
}

} // namespace mantle::exchange
