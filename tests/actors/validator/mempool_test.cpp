#include <catch2/catch.hpp>

#include <map>

#include "actors/validator/chain_types.hpp"
#include "actors/validator/mempool.hpp"

using namespace mantle::chain;

namespace {

// A stand-in for the state's account nonces (the real state is D's; the pool only asks).
struct accounts {
  std::map<std::string, uint64_t> next;
  mempool::nonce_fn fn() const {
    return [this](std::string_view s) {
      auto it = next.find(std::string(s));
      return it == next.end() ? uint64_t{0} : it->second;
    };
  }
};

struct tx {
  mempool::tx_info info;
  std::string bytes;
};

tx make_tx(const std::string& sender, uint64_t nonce, uint64_t fee = 10, size_t size = 100, const std::string& salt = "") {
  tx t;
  t.bytes = sender + "/" + std::to_string(nonce) + "/" + std::to_string(fee) + "/" + salt;
  t.bytes.resize(std::max(size, t.bytes.size()), '.');
  t.info = {hash(t.bytes), sender, nonce, fee, t.bytes.size()};
  return t;
}

add_result add(mempool& p, const tx& t, uint64_t account_nonce = 0) { return p.add(t.info, t.bytes, account_nonce); }

// "sender:nonce" for each reaped tx, in order.
std::vector<std::string> order(const std::vector<const mempool::pooled_tx*>& v) {
  std::vector<std::string> out;
  for (auto* t : v)
    out.push_back(t->info.sender + ":" + std::to_string(t->info.nonce));
  return out;
}

} // namespace

TEST_CASE("the mempool accepts a tx once and reaps it", "[chain][mempool]") {
  mempool p;
  accounts acc;
  auto a0 = make_tx("alice", 0);
  auto r = add(p, a0);
  CHECK(r.ok());
  CHECK(r.code == add_code::added);
  CHECK(p.size() == 1);
  CHECK(p.bytes() == a0.bytes.size());
  CHECK(p.contains(a0.info.hash));
  CHECK(p.find(a0.info.hash)->bytes == a0.bytes);

  auto dup = add(p, a0);
  CHECK(dup.code == add_code::duplicate);
  CHECK_FALSE(dup.ok());
  CHECK(dup.reason == "transaction is already pending");
  CHECK(p.size() == 1);

  auto reaped = p.reap(10, 1 << 20, acc.fn());
  REQUIRE(reaped.size() == 1);
  CHECK(reaped[0]->bytes == a0.bytes);
  CHECK(p.size() == 1); // reaping does not remove
  CHECK(p.remove_committed({a0.info.hash, hash("unknown")}) == 1);
  CHECK(p.size() == 0);
  CHECK(p.bytes() == 0);
  CHECK(p.senders() == 0);
}

TEST_CASE("the mempool refuses bad nonces with reasons", "[chain][mempool]") {
  mempool_limits lim;
  lim.max_nonce_ahead = 4;
  mempool p(lim);
  auto low = add(p, make_tx("alice", 2), 3);
  CHECK(low.code == add_code::nonce_too_low);
  CHECK(low.reason.find("next nonce is 3") != std::string::npos);
  CHECK(add(p, make_tx("alice", 3), 3).ok());
  CHECK(add(p, make_tx("alice", 6), 3).ok()); // 3 ahead: inside the window
  auto far = add(p, make_tx("alice", 7), 3);
  CHECK(far.code == add_code::nonce_too_far);
  CHECK(far.reason.find("too far ahead") != std::string::npos);
  CHECK(p.size() == 2);
}

TEST_CASE("the mempool rejects malformed and oversized txs", "[chain][mempool]") {
  mempool_limits lim;
  lim.max_tx_bytes = 200;
  mempool p(lim);
  auto t = make_tx("alice", 0);
  auto wrong_size = t;
  wrong_size.info.size += 1;
  CHECK(add(p, wrong_size).code == add_code::malformed);
  auto no_sender = t;
  no_sender.info.sender.clear();
  CHECK(add(p, no_sender).code == add_code::malformed);
  auto no_hash = t;
  no_hash.info.hash.clear();
  CHECK(add(p, no_hash).code == add_code::malformed);
  auto big = add(p, make_tx("alice", 0, 10, 201));
  CHECK(big.code == add_code::too_large);
  CHECK(big.reason.find("200-byte limit") != std::string::npos);
  CHECK(p.size() == 0);
}

TEST_CASE("the same nonce is replaced only by a higher fee", "[chain][mempool]") {
  mempool p;
  accounts acc;
  auto first = make_tx("alice", 0, 10);
  REQUIRE(add(p, first).ok());
  auto same_fee = make_tx("alice", 0, 10, 100, "other");
  auto r = add(p, same_fee);
  CHECK(r.code == add_code::nonce_taken);
  CHECK(r.reason.find("needs a higher fee") != std::string::npos);
  auto higher = make_tx("alice", 0, 11, 150);
  CHECK(add(p, higher).code == add_code::replaced);
  CHECK(p.size() == 1);
  CHECK(p.bytes() == 150);
  CHECK_FALSE(p.contains(first.info.hash));
  CHECK(p.reap(10, 1 << 20, acc.fn())[0]->info.hash == higher.info.hash);
}

TEST_CASE("a sender's txs are reaped in nonce order, and held after a gap until it fills", "[chain][mempool]") {
  mempool p;
  accounts acc;
  acc.next["alice"] = 5;
  REQUIRE(add(p, make_tx("alice", 7), 5).ok());
  REQUIRE(add(p, make_tx("alice", 5), 5).ok());
  REQUIRE(add(p, make_tx("alice", 8), 5).ok());
  CHECK(order(p.reap(10, 1 << 20, acc.fn())) == std::vector<std::string>{"alice:5"});
  REQUIRE(add(p, make_tx("alice", 6), 5).ok());
  CHECK(order(p.reap(10, 1 << 20, acc.fn())) == std::vector<std::string>{"alice:5", "alice:6", "alice:7", "alice:8"});
  // Nothing from a sender whose next nonce is missing altogether.
  acc.next["alice"] = 4;
  CHECK(p.reap(10, 1 << 20, acc.fn()).empty());
}

TEST_CASE("reap interleaves senders fairly, higher fee first within a round", "[chain][mempool]") {
  mempool p;
  accounts acc;
  for (uint64_t n = 0; n < 5; ++n)
    REQUIRE(add(p, make_tx("whale", n, 100)).ok());
  REQUIRE(add(p, make_tx("bob", 0, 5)).ok());
  REQUIRE(add(p, make_tx("bob", 1, 500)).ok());
  REQUIRE(add(p, make_tx("carol", 0, 5)).ok()); // same fee as bob, arrived later
  CHECK(order(p.reap(100, 1 << 20, acc.fn())) ==
        std::vector<std::string>{"whale:0", "bob:0", "carol:0", "bob:1", "whale:1", "whale:2", "whale:3", "whale:4"});
  CHECK(order(p.reap(4, 1 << 20, acc.fn())) == std::vector<std::string>{"whale:0", "bob:0", "carol:0", "bob:1"});
}

TEST_CASE("reap respects the byte budget without breaking a sender's nonce run", "[chain][mempool]") {
  mempool p;
  accounts acc;
  REQUIRE(add(p, make_tx("alice", 0, 50, 100)).ok());
  REQUIRE(add(p, make_tx("alice", 1, 50, 1000)).ok());
  REQUIRE(add(p, make_tx("alice", 2, 50, 100)).ok());
  REQUIRE(add(p, make_tx("bob", 0, 10, 300)).ok());
  REQUIRE(add(p, make_tx("bob", 1, 10, 300)).ok());
  // alice:1 does not fit, so alice:2 must not come either; bob fills the rest.
  CHECK(order(p.reap(100, 800, acc.fn())) == std::vector<std::string>{"alice:0", "bob:0", "bob:1"});
  CHECK(order(p.reap(100, 99, acc.fn())).empty());
  // bob:1 does not fit after alice:1, the smaller alice:2 does.
  CHECK(order(p.reap(100, 1500, acc.fn())) ==
        std::vector<std::string>{"alice:0", "bob:0", "alice:1", "alice:2"});
}

TEST_CASE("per-sender and pool limits hold, and a full pool evicts lower fees of others", "[chain][mempool]") {
  mempool_limits lim;
  lim.max_txs = 6;
  lim.max_bytes = 1 << 20;
  lim.max_per_sender = 3;
  mempool p(lim);
  accounts acc;
  for (uint64_t n = 0; n < 3; ++n)
    REQUIRE(add(p, make_tx("alice", n, 10)).ok());
  auto over = add(p, make_tx("alice", 3, 10));
  CHECK(over.code == add_code::sender_full);
  CHECK(over.reason.find("3 pending") != std::string::npos);
  for (uint64_t n = 0; n < 3; ++n)
    REQUIRE(add(p, make_tx("bob", n, 20)).ok());
  CHECK(p.size() == 6);

  SECTION("no lower fee to evict: refused, nothing lost") {
    auto full = add(p, make_tx("carol", 0, 10));
    CHECK(full.code == add_code::pool_full);
    CHECK(full.reason.find("pool is full") != std::string::npos);
    CHECK(p.size() == 6);
  }
  SECTION("a higher fee evicts the lowest, newest tx of another sender") {
    auto r = add(p, make_tx("carol", 0, 15));
    CHECK(r.code == add_code::added);
    CHECK(r.evicted == 1);
    CHECK(p.size() == 6);
    CHECK(p.pending_of("alice") == 2);
    CHECK_FALSE(p.contains(make_tx("alice", 2, 10).info.hash));
  }
  SECTION("evicting a tx takes its sender's later nonces too") {
    REQUIRE(add(p, make_tx("alice", 0, 12)).code == add_code::replaced);
    REQUIRE(add(p, make_tx("alice", 2, 13)).code == add_code::replaced);
    // Fees: alice:0 12, alice:1 10, alice:2 13. alice:1 is the cheapest, and alice:2 cannot
    // be reaped without it.
    auto r = add(p, make_tx("carol", 0, 30));
    CHECK(r.evicted == 2);
    CHECK(p.pending_of("alice") == 1);
    CHECK(p.size() == 5);
    CHECK(order(p.reap(100, 1 << 20, acc.fn())) ==
          std::vector<std::string>{"carol:0", "bob:0", "alice:0", "bob:1", "bob:2"});
  }
  SECTION("the own sender's txs are never evicted for it") {
    auto r = add(p, make_tx("bob", 3, 1000));
    CHECK(r.code == add_code::sender_full);
    CHECK(p.size() == 6);
  }
}

TEST_CASE("eviction drops a gapped tail with its head", "[chain][mempool]") {
  mempool_limits lim;
  lim.max_txs = 4;
  mempool p(lim);
  accounts acc;
  REQUIRE(add(p, make_tx("alice", 0, 5)).ok());
  REQUIRE(add(p, make_tx("alice", 1, 50)).ok());
  REQUIRE(add(p, make_tx("alice", 2, 50)).ok());
  REQUIRE(add(p, make_tx("bob", 0, 40)).ok());
  // alice:0 is the cheapest; without it alice:1 and :2 could never be reaped, so all three go.
  auto r = add(p, make_tx("carol", 0, 6));
  CHECK(r.code == add_code::added);
  CHECK(r.evicted == 3);
  CHECK(p.pending_of("alice") == 0);
  CHECK(p.size() == 2);
  CHECK(order(p.reap(10, 1 << 20, acc.fn())) == std::vector<std::string>{"bob:0", "carol:0"});
}

TEST_CASE("the byte limit bounds the pool", "[chain][mempool]") {
  mempool_limits lim;
  lim.max_bytes = 1000;
  mempool p(lim);
  REQUIRE(add(p, make_tx("alice", 0, 10, 600)).ok());
  auto r = add(p, make_tx("bob", 0, 10, 500));
  CHECK(r.code == add_code::pool_full);
  auto r2 = add(p, make_tx("bob", 0, 11, 500));
  CHECK(r2.code == add_code::added);
  CHECK(r2.evicted == 1);
  CHECK(p.bytes() == 500);
}

TEST_CASE("after a block, committed and stale txs leave the pool", "[chain][mempool]") {
  mempool p;
  accounts acc;
  std::vector<tx> alice;
  for (uint64_t n = 0; n < 4; ++n) {
    alice.push_back(make_tx("alice", n));
    REQUIRE(add(p, alice.back()).ok());
  }
  auto bob0 = make_tx("bob", 0);
  auto bob1 = make_tx("bob", 1);
  REQUIRE(add(p, bob0).ok());
  REQUIRE(add(p, bob1).ok());
  // The block held alice:0 and alice:1; bob's nonce 0 was used by a tx from another node.
  CHECK(p.remove_committed({alice[0].info.hash, alice[1].info.hash}) == 2);
  acc.next["alice"] = 2;
  acc.next["bob"] = 1;
  CHECK(p.recheck(acc.fn()) == 1);
  CHECK_FALSE(p.contains(bob0.info.hash));
  CHECK(order(p.reap(10, 1 << 20, acc.fn())) == std::vector<std::string>{"alice:2", "bob:1", "alice:3"});
  // A validity check (say, a balance that no longer covers the fee) drops what it rejects;
  // the later nonces stay, held behind the gap.
  CHECK(p.recheck(acc.fn(), [&](const mempool::pooled_tx& t) { return t.info.hash != alice[2].info.hash; }) == 1);
  CHECK(order(p.reap(10, 1 << 20, acc.fn())) == std::vector<std::string>{"bob:1"});
  CHECK(p.size() == 2);
  REQUIRE(add(p, make_tx("alice", 2, 10, 100, "again"), 2).ok());
  // Same fee as bob:1, which arrived first.
  CHECK(order(p.reap(10, 1 << 20, acc.fn())) == std::vector<std::string>{"bob:1", "alice:2", "alice:3"});
}

TEST_CASE("adding prunes the sender's txs the state has passed", "[chain][mempool]") {
  mempool_limits lim;
  lim.max_per_sender = 2;
  mempool p(lim);
  REQUIRE(add(p, make_tx("alice", 0), 0).ok());
  REQUIRE(add(p, make_tx("alice", 1), 0).ok());
  // Both used by a block this pool never saw: the sender is not "full" of dead txs.
  CHECK(add(p, make_tx("alice", 2), 2).ok());
  CHECK(p.pending_of("alice") == 1);
  CHECK(p.size() == 1);
}

TEST_CASE("many senders and txs: limits, order and accounting stay consistent", "[chain][mempool]") {
  mempool_limits lim;
  lim.max_txs = 10000;
  mempool p(lim);
  accounts acc;
  size_t bytes = 0;
  for (int s = 0; s < 500; ++s)
    for (uint64_t n = 0; n < 20; ++n) {
      auto t = make_tx("s" + std::to_string(s), n, 1 + (s * 7 + n) % 13, 100 + (s % 50));
      REQUIRE(add(p, t).ok());
      bytes += t.bytes.size();
    }
  CHECK(p.size() == 10000);
  CHECK(p.bytes() == bytes);
  auto r = p.reap(10000, SIZE_MAX, acc.fn());
  REQUIRE(r.size() == 10000);
  // Every sender's nonces appear in order, and round k of every sender comes before round k+1.
  std::map<std::string, uint64_t> seen;
  uint64_t round = 0;
  for (auto* t : r) {
    CHECK(t->info.nonce == seen[t->info.sender]);
    ++seen[t->info.sender];
    CHECK(t->info.nonce >= round);
    round = std::max(round, t->info.nonce);
  }
  auto limited = p.reap(1000, 50000, acc.fn());
  size_t total = 0;
  for (auto* t : limited)
    total += t->bytes.size();
  CHECK(total <= 50000);
  CHECK(limited.size() <= 1000);
  CHECK(limited.size() >= 50000 / 150 - 1);
}
