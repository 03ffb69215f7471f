#include <catch2/catch.hpp>

#include "actors/peer/dial_book.hpp"
#include "storage/identity.hpp"

using namespace mantle;
using namespace std::chrono_literals;

namespace {
config::peer_address addr(uint16_t port, std::string id = {}) {
  return config::peer_address{config::host_port{"127.0.0.1", port}, std::move(id)};
}
} // namespace

TEST_CASE("backoff doubles from 500 ms and is capped", "[dial_book]") {
  CHECK(backoff_delay(0) == 0ms);
  CHECK(backoff_delay(1) == 500ms);
  CHECK(backoff_delay(2) == 1000ms);
  CHECK(backoff_delay(4) == 4000ms);
  CHECK(backoff_delay(10) == 15000ms);
  CHECK(backoff_delay(1000) == 15000ms);
  CHECK(backoff_delay(3, 1500ms) == 1500ms);
}

TEST_CASE("bootstrap targets are due at once, back off on failure, and are never forgotten", "[dial_book]") {
  dial_book b;
  b.add_bootstrap(addr(4001));
  auto t0 = peer_clock::now();
  auto due = b.take_due(t0);
  REQUIRE(due == std::vector<std::string>{"127.0.0.1:4001"});
  CHECK(b.take_due(t0).empty()); // active while dialing
  for (int i = 0; i < 20; ++i)
    b.dial_failed(due.front(), t0);
  REQUIRE(b.find(due.front()));
  CHECK(b.take_due(t0 + 14s).empty());
  CHECK(b.take_due(t0 + 15s).size() == 1);
}

TEST_CASE("learned targets are bounded, need a peer id, and are dropped after repeated failures", "[dial_book]") {
  dial_book b(2);
  auto now = peer_clock::now();
  auto id1 = node_identity::generate().peer_id(), id2 = node_identity::generate().peer_id(),
       id3 = node_identity::generate().peer_id();
  CHECK_FALSE(b.learn(addr(5000), now)); // no peer id
  CHECK(b.learn(addr(5001, id1), now));
  CHECK_FALSE(b.learn(addr(5001, id1), now)); // known
  CHECK_FALSE(b.learn(addr(5009, id1), now)); // same peer elsewhere
  CHECK(b.learn(addr(5002, id2), now));
  CHECK_FALSE(b.learn(addr(5003, id3), now)); // full
  CHECK(b.knows_peer(id2));
  auto key = dial_book::key_of(addr(5001));
  for (uint32_t i = 0; i < dial_book::learned_max_failures; ++i) {
    b.take_due(now + 1h);
    b.dial_failed(key, now);
  }
  CHECK_FALSE(b.find(key));
  CHECK(b.learn(addr(5003, id3), now)); // room again
}

TEST_CASE("a connection pins the peer id; a disconnect redials after a short pause; holds delay dials", "[dial_book]") {
  dial_book b;
  b.add_bootstrap(addr(4001));
  auto now = peer_clock::now();
  auto key = b.take_due(now).front();
  auto id = node_identity::generate().peer_id();
  b.connected(key, id);
  CHECK(b.find(key)->addr.peer_id == id);
  CHECK(b.take_due(now + 1h).empty()); // connected: not dialed
  b.disconnected(key, now);
  CHECK(b.take_due(now).empty());
  CHECK(b.take_due(now + 500ms).size() == 1);
  b.dial_failed(key, now);
  b.hold(id, now + 10min);
  CHECK(b.take_due(now + 9min).empty());
  CHECK(b.take_due(now + 10min).size() == 1);
  b.forget(key);
  CHECK(b.size() == 0);
}

TEST_CASE("after a restart of the peer actor every known target is dialed again at once", "[dial_book]") {
  dial_book b;
  b.add_bootstrap(addr(4001));
  auto now = peer_clock::now();
  auto id = node_identity::generate().peer_id();
  CHECK(b.learn(addr(4002, id), now));
  for (auto& k : b.take_due(now))
    b.connected(k, node_identity::generate().peer_id());
  CHECK(b.take_due(now + 1h).empty());
  b.restart(now);
  CHECK(b.take_due(now).size() == 2);
}
