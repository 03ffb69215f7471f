// Which peer addresses to dial and when (no CAF): bootstrap addresses from the config, and
// addresses learned from other peers (peer exchange, bounded so a chatty or hostile peer cannot
// grow it without limit). A failed dial backs off exponentially up to a cap; a learned address
// that keeps failing is forgotten, a bootstrap address never is. Banned peers are not dialed
// until their ban ends.
#pragma once
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>
#include "config/peer_address.hpp"

namespace mantle {

using peer_clock = std::chrono::steady_clock;

// 500 ms after the first failure, doubling, at most `cap`.
std::chrono::milliseconds backoff_delay(uint32_t failures, std::chrono::milliseconds cap = std::chrono::seconds(15));

struct dial_target {
  config::peer_address addr; // addr.peer_id: the id the remote must prove (may be empty)
  bool bootstrap = false;
  uint32_t failures = 0;
  peer_clock::time_point next{};
  bool active = false; // being dialed or connected: not due
};

class dial_book {
public:
  static constexpr size_t default_max_learned = 64;
  static constexpr uint32_t learned_max_failures = 8;

  explicit dial_book(size_t max_learned = default_max_learned) : max_learned_(max_learned) {}

  // The key of an address in the book: "host:port".
  static std::string key_of(const config::peer_address& a) { return a.addr.str(); }

  void add_bootstrap(const config::peer_address& a);
  // An address a peer told us about. Refused (false) when already known, when the book of
  // learned addresses is full, or when it names no peer id.
  bool learn(const config::peer_address& a, peer_clock::time_point now);
  // A target added on request (swarm/connect): dialed now, kept like a learned one.
  void add_manual(const config::peer_address& a, peer_clock::time_point now);

  // Keys of the targets to dial now (they become active).
  std::vector<std::string> take_due(peer_clock::time_point now);
  dial_target* find(const std::string& key);
  // Whether some target is known to be `peer_id` (so gossip about it adds nothing).
  bool knows_peer(const std::string& peer_id) const;

  void dial_failed(const std::string& key, peer_clock::time_point now);
  void connected(const std::string& key, const std::string& peer_id);
  // The connection went away: dial again soon (with backoff from zero).
  void disconnected(const std::string& key, peer_clock::time_point now);
  // After a restart of the peer actor: nothing is connected or being dialed; dial everything now.
  void restart(peer_clock::time_point now);
  // Stop dialing a target for good (e.g. it is this node itself).
  void forget(const std::string& key);
  // Do not dial `peer_id` before `until`.
  void hold(const std::string& peer_id, peer_clock::time_point until);

  size_t size() const { return targets_.size(); }
  size_t learned() const;

private:
  size_t max_learned_;
  std::map<std::string, dial_target> targets_;
};

} // namespace mantle
