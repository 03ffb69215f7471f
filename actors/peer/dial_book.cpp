#include "actors/peer/dial_book.hpp"

#include <algorithm>

namespace mantle {

std::chrono::milliseconds backoff_delay(uint32_t failures, std::chrono::milliseconds cap) {
  if (failures == 0)
    return std::chrono::milliseconds(0);
  auto shift = std::min<uint32_t>(failures - 1, 20);
  auto d = std::chrono::milliseconds(500) * (int64_t{1} << shift);
  return std::min(d, cap);
}

void dial_book::add_bootstrap(const config::peer_address& a) {
  auto& t = targets_[key_of(a)];
  t.addr = a;
  t.bootstrap = true;
}

size_t dial_book::learned() const {
  return static_cast<size_t>(std::count_if(targets_.begin(), targets_.end(),
                                           [](const auto& kv) { return !kv.second.bootstrap; }));
}

bool dial_book::learn(const config::peer_address& a, peer_clock::time_point now) {
  if (a.peer_id.empty() || targets_.count(key_of(a)) || knows_peer(a.peer_id) || learned() >= max_learned_)
    return false;
  dial_target t;
  t.addr = a;
  t.next = now;
  targets_.emplace(key_of(a), std::move(t));
  return true;
}

void dial_book::add_manual(const config::peer_address& a, peer_clock::time_point now) {
  auto& t = targets_[key_of(a)];
  t.addr = a;
  t.failures = 0;
  t.next = now;
}

std::vector<std::string> dial_book::take_due(peer_clock::time_point now) {
  std::vector<std::string> out;
  for (auto& [k, t] : targets_)
    if (!t.active && t.next <= now) {
      t.active = true;
      out.push_back(k);
    }
  return out;
}

dial_target* dial_book::find(const std::string& key) {
  auto i = targets_.find(key);
  return i == targets_.end() ? nullptr : &i->second;
}

bool dial_book::knows_peer(const std::string& peer_id) const {
  return std::any_of(targets_.begin(), targets_.end(),
                     [&](const auto& kv) { return kv.second.addr.peer_id == peer_id; });
}

void dial_book::dial_failed(const std::string& key, peer_clock::time_point now) {
  auto* t = find(key);
  if (!t)
    return;
  t->active = false;
  ++t->failures;
  if (!t->bootstrap && t->failures >= learned_max_failures) {
    targets_.erase(key);
    return;
  }
  t->next = std::max(t->next, now + backoff_delay(t->failures));
}

void dial_book::connected(const std::string& key, const std::string& peer_id) {
  auto* t = find(key);
  if (!t)
    return;
  t->active = true;
  t->failures = 0;
  if (t->addr.peer_id.empty())
    t->addr.peer_id = peer_id; // learned: later dials must reach the same node
}

void dial_book::disconnected(const std::string& key, peer_clock::time_point now) {
  auto* t = find(key);
  if (!t)
    return;
  t->active = false;
  t->failures = 1; // a short pause first, so a peer that hangs up at once is not hammered
  t->next = std::max(t->next, now + backoff_delay(t->failures));
}

void dial_book::restart(peer_clock::time_point now) {
  for (auto& [k, t] : targets_) {
    t.active = false;
    t.failures = 0;
    t.next = now;
  }
}

void dial_book::forget(const std::string& key) { targets_.erase(key); }

void dial_book::hold(const std::string& peer_id, peer_clock::time_point until) {
  for (auto& [k, t] : targets_)
    if (t.addr.peer_id == peer_id)
      t.next = std::max(t.next, until);
}

} // namespace mantle
