// The market's memory: planning takes through the policy, the life of a job, abandoned orders
// (bounded, matched by the order), and reconciling held files with the chain (closed, lost,
// reported, learnt after a restart).
#include <catch2/catch.hpp>

#include "actors/market/market_book.hpp"
#include "actors/market/market_rules.hpp"

using namespace mantle::market;

namespace {

const std::string node_key(32, 'n');

std::string cid_of(char c) { return std::string("\x01\x55\x12\x20", 4) + std::string(32, c); }

chain_snapshot snapshot(uint64_t height = 101) {
  chain_snapshot s;
  s.height = height;
  s.slot_blocks = 10;
  s.max_replicas = 2;
  return s;
}

void add_file(chain_snapshot& s, char c, uint64_t size, uint32_t replicas = 0, bool here = false) {
  file_view f;
  f.cid = cid_of(c);
  f.size = size;
  f.replicas = replicas;
  f.replica_here = here;
  s.files[f.cid] = f;
  s.roots[f.cid] = std::string(32, c);
}

// `s` as seen at another height.
chain_snapshot snapshot_with(chain_snapshot s, uint64_t height) {
  s.height = height;
  return s;
}

policy_options opts() {
  policy_options o;
  o.max_fetches = 2;
  o.lost_cooldown_slots = 3;
  return o;
}

} // namespace

TEST_CASE("book: plans takes in CID order up to max_fetches and the capacity", "[market][book]") {
  market_book b(opts());
  auto s = snapshot();
  add_file(s, 'a', 400);
  add_file(s, 'b', 400);
  add_file(s, 'c', 400);
  add_file(s, 'd', 100, 2); // enough replicas
  auto p = b.plan_takes(s, node_key, 2000, 0, 0, 5);
  REQUIRE(p.take.size() == 2);
  CHECK(p.take[0].cid == cid_of('a'));
  CHECK(p.take[0].proof_root == std::string(32, 'a'));
  CHECK(p.take[0].started_ms == 5);
  CHECK(p.take[1].cid == cid_of('b'));
  CHECK(p.counts[verdict::take] == 2);
  CHECK(p.counts[verdict::busy] == 1);
  CHECK(p.counts[verdict::enough_replicas] == 1);
  CHECK(b.fetching_bytes() == 800);
  // The running jobs are not taken twice; with a fetch slot free after 'a' is done, 'c' is
  // taken only if the capacity allows: 1000 − 400 held − 400 fetching = 200 < 400.
  b.verified(cid_of('a'), 400, 101);
  auto p2 = b.plan_takes(s, node_key, 1000, 0, 0, 6);
  CHECK(p2.take.empty());
  CHECK(p2.counts[verdict::no_space] == 1);
  CHECK(p2.counts[verdict::held] == 1);
  CHECK(p2.counts[verdict::fetching] == 1);
}

TEST_CASE("book: an abandoned order is not retried; another order of the CID is", "[market][book]") {
  market_book b(opts(), 2);
  auto s = snapshot();
  add_file(s, 'a', 400);
  REQUIRE(b.plan_takes(s, node_key, 0, 1 << 20, 0, 0).take.size() == 1);
  b.set_phase(cid_of('a'), job_phase::verifying, 9);
  CHECK(b.job(cid_of('a'))->blocks == 9);
  b.abandon(cid_of('a'), "proof root mismatch", 101);
  CHECK(b.jobs().empty());
  REQUIRE(b.abandoned().size() == 1);
  CHECK(b.abandoned().front().reason == "proof root mismatch");
  CHECK(b.abandoned().front().size == 400);
  auto p = b.plan_takes(s, node_key, 0, 1 << 20, 0, 0);
  CHECK(p.take.empty());
  CHECK(p.counts[verdict::abandoned] == 1);
  // The file closed and was ordered again with another size: a new order, looked at afresh.
  s.files[cid_of('a')].size = 500;
  CHECK(b.plan_takes(s, node_key, 0, 1 << 20, 0, 0).take.size() == 1);
}

TEST_CASE("book: abandoned orders are bounded, the oldest forgotten first", "[market][book]") {
  market_book b(opts(), 2);
  auto s = snapshot();
  for (char c : {'a', 'b', 'c'}) {
    add_file(s, c, 10);
  }
  b.plan_takes(s, node_key, 0, 1 << 20, 0, 0); // a, b
  b.abandon(cid_of('a'), "x", 1);
  b.abandon(cid_of('b'), "y", 1);
  b.plan_takes(s, node_key, 0, 1 << 20, 0, 0); // c
  b.abandon(cid_of('c'), "z", 1);
  REQUIRE(b.abandoned().size() == 2);
  CHECK(b.abandoned().front().cid == cid_of('b'));
  CHECK(b.state_of(cid_of('a'), 10, std::string(32, 'a')) == local_state::none);
  CHECK(b.state_of(cid_of('b'), 10, std::string(32, 'b')) == local_state::abandoned);
}

TEST_CASE("book: a release is retried in the next plan", "[market][book]") {
  market_book b(opts());
  auto s = snapshot();
  add_file(s, 'a', 10);
  REQUIRE(b.plan_takes(s, node_key, 0, 1 << 20, 0, 0).take.size() == 1);
  b.release(cid_of('a'));
  CHECK(b.plan_takes(s, node_key, 0, 1 << 20, 0, 0).take.size() == 1);
}

TEST_CASE("book: held files follow the chain: claimed, reported, lost, closed", "[market][book]") {
  market_book b(opts());
  auto s = snapshot(101); // slot 10
  add_file(s, 'a', 10);
  add_file(s, 'b', 20);
  b.plan_takes(s, node_key, 0, 1 << 20, 0, 0);
  b.verified(cid_of('a'), 10, 101);
  b.verified(cid_of('b'), 20, 101);
  REQUIRE(b.unclaimed().size() == 2);
  b.told_prover(cid_of('a'));
  CHECK(b.unclaimed() == std::vector<std::string>{cid_of('b')});
  // Not reported yet: still held, nothing dropped.
  CHECK(b.reconcile(s).empty());
  CHECK(b.held().size() == 2);
  // The next report lists both.
  s.node_set[cid_of('a')] = 10;
  s.node_set[cid_of('b')] = 20;
  CHECK(b.reconcile(s).empty());
  CHECK(b.held().at(cid_of('a')).reported);
  CHECK(b.unclaimed().empty());
  // 'a' leaves the set while its record stays: lost. 'b''s record is gone: closed.
  auto s2 = snapshot(121); // slot 12
  add_file(s2, 'a', 10, 1);
  auto drops = b.reconcile(s2);
  REQUIRE(drops.size() == 2);
  CHECK(drops[0].cid == cid_of('a'));
  CHECK(drops[0].lost);
  CHECK(drops[1].cid == cid_of('b'));
  CHECK_FALSE(drops[1].lost);
  CHECK(b.held().empty());
  CHECK(b.lost_slot(cid_of('a')) == uint64_t{12});
  // Not taken again during the cooldown (3 slots), then it is.
  auto p = b.plan_takes(s2, node_key, 0, 1 << 20, 0, 0);
  CHECK(p.counts[verdict::lost_recently] == 1);
  auto s3 = snapshot(151); // slot 15
  add_file(s3, 'a', 10, 1);
  CHECK(b.reconcile(s3).empty());
  CHECK_FALSE(b.lost_slot(cid_of('a')));
  CHECK(b.plan_takes(s3, node_key, 0, 1 << 20, 0, 0).take.size() == 1);
}

TEST_CASE("book: files of the node's set it did not know are held (after a restart)", "[market][book]") {
  market_book b(opts());
  auto s = snapshot();
  add_file(s, 'a', 10, 1, true);
  s.node_set[cid_of('a')] = 10;
  s.node_set[cid_of('z')] = 5; // no record (closed in the same block): ignored
  CHECK(b.reconcile(s).empty());
  REQUIRE(b.held().size() == 1);
  CHECK(b.held().at(cid_of('a')).reported);
  CHECK(b.held_bytes() == 10);
  CHECK(b.plan_takes(s, node_key, 0, 1 << 20, 0, 0).take.empty());
}

TEST_CASE("market book: an order the policy declined waits for the next slot", "[market][plugins]") {
  market_book b(opts());
  auto s = snapshot(101); // slot 10 with 10-block slots
  add_file(s, 'a', 1000);
  add_file(s, 'b', 1000);
  auto p = b.plan_takes(s, node_key, 1u << 30, 0, 0, 1);
  REQUIRE(p.take.size() == 2);
  b.decline(cid_of('a'), "too big for this node", slot_of(s.height, s.slot_blocks), s.height);
  b.release(cid_of('b')); // e.g. the policy did not answer: looked at again in the next scan
  CHECK(b.jobs().empty());
  REQUIRE(b.declined().count(cid_of('a')));
  CHECK(b.declined().at(cid_of('a')).reason == "too big for this node");

  // Same slot: 'a' is declined without asking, 'b' is planned again.
  p = b.plan_takes(snapshot_with(s, 109), node_key, 1u << 30, 0, 0, 2);
  REQUIRE(p.take.size() == 1);
  CHECK(p.take[0].cid == cid_of('b'));
  CHECK(p.counts[verdict::declined] == 1);
  CHECK(b.declined().count(cid_of('a')));

  // Next slot: the policy is asked again (and the old "no" is forgotten).
  p = b.plan_takes(snapshot_with(s, 111), node_key, 1u << 30, 0, 0, 3);
  REQUIRE(p.take.size() == 1);
  CHECK(p.take[0].cid == cid_of('a'));
  CHECK(p.counts[verdict::declined] == 0);
  CHECK(b.declined().empty());
}
