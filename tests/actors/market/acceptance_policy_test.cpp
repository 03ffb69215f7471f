// The market's acceptance policy: every rule in its order, the take draw against the formula in
// the header, its determinism, and the fraction of takes over many CIDs against take_ppm.
#include <catch2/catch.hpp>

#include <botan/hash.h>

#include <cmath>
#include <set>

#include "actors/market/acceptance_policy.hpp"
#include "actors/market/market_rules.hpp"

using namespace mantle::market;

namespace {

std::string key_of(char c) { return std::string(32, c); }

std::string cid_of(uint32_t i) {
  // A plausible binary CIDv1 (raw, sha2-256) whose digest differs per i.
  std::string c = "\x01\x55\x12\x20";
  std::string digest(32, '\0');
  for (int b = 0; b < 4; ++b)
    digest[size_t(b)] = char(i >> (8 * b));
  return c + digest;
}

file_view pending_file(uint64_t size = 1000) {
  file_view f;
  f.cid = cid_of(7);
  f.size = size;
  return f;
}

node_view a_node() {
  node_view n;
  n.node_key = key_of('n');
  n.height = 101; // slot 10 with 10-block slots
  n.slot_blocks = 10;
  n.max_replicas = 3;
  n.free_bytes = 1 << 20;
  return n;
}

// The draw recomputed from the header's formula, independently of the implementation.
uint32_t reference_draw(const std::string& key, const std::string& cid, uint64_t slot) {
  auto h = Botan::HashFunction::create_or_throw("BLAKE2b(256)");
  std::string in = "mantle/market-take/v1";
  auto be = [&](uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
      in.push_back(char((v >> (8 * i)) & 0xff));
  };
  be(key.size(), 4);
  in += key;
  be(cid.size(), 4);
  in += cid;
  be(slot, 8);
  h->update(in);
  auto d = h->final();
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i)
    u = (u << 8) | d[size_t(i)];
  long double x = (long double)u * 1000000.0L / 18446744073709551616.0L;
  return uint32_t(std::floor(x));
}

} // namespace

TEST_CASE("slots: slot_of and slots_left follow the contract", "[market][policy]") {
  CHECK(slot_of(1, 10) == 0);
  CHECK(slot_of(10, 10) == 0);
  CHECK(slot_of(11, 10) == 1);
  CHECK(slot_of(0, 10) == 0);
  CHECK(slots_left(100, 100, 10) == 0);
  CHECK(slots_left(90, 100, 10) == 0);
  CHECK(slots_left(101, 100, 10) == 1);
  CHECK(slots_left(110, 100, 10) == 1);
  CHECK(slots_left(111, 100, 10) == 2);
}

TEST_CASE("take draw: matches the formula, is deterministic and depends on key, cid and slot", "[market][policy]") {
  auto k = key_of('a');
  for (uint32_t i = 0; i < 50; ++i) {
    auto c = cid_of(i);
    auto d = take_draw(k, c, i * 3);
    CHECK(d < ppm_one);
    CHECK(d == reference_draw(k, c, i * 3));
    CHECK(d == take_draw(k, c, i * 3));
  }
  std::set<uint32_t> seen{take_draw(k, cid_of(1), 5), take_draw(key_of('b'), cid_of(1), 5),
                          take_draw(k, cid_of(2), 5), take_draw(k, cid_of(1), 6)};
  CHECK(seen.size() == 4);
}

TEST_CASE("take draw: the fraction of takes over many CIDs is close to take_ppm", "[market][policy]") {
  auto n = a_node();
  policy_options o;
  o.max_fetches = 1000000;
  const int trials = 20000;
  for (uint32_t ppm : {0u, 100000u, 500000u, 900000u, ppm_one}) {
    o.take_ppm = ppm;
    int takes = 0;
    for (int i = 0; i < trials; ++i) {
      auto f = pending_file();
      f.cid = cid_of(uint32_t(i));
      if (decide(f, n, local_state::none, std::nullopt, o).take())
        ++takes;
    }
    double p = ppm / 1e6;
    double sd = std::sqrt(p * (1 - p) / trials);
    INFO("take_ppm " << ppm << ": " << takes << " of " << trials);
    CHECK(std::abs(double(takes) / trials - p) <= 5 * sd + 1e-12);
    if (ppm == 0)
      CHECK(takes == 0);
    if (ppm == ppm_one)
      CHECK(takes == trials);
  }
}

TEST_CASE("policy: a plain pending file with room is taken", "[market][policy]") {
  auto d = decide(pending_file(), a_node(), local_state::none, std::nullopt, policy_options{});
  CHECK(d.take());
  CHECK(d.reason.find("below take-ppm") != std::string::npos);
}

TEST_CASE("policy: what this node holds, fetches or abandoned is never taken", "[market][policy]") {
  policy_options o;
  auto f = pending_file();
  auto n = a_node();
  CHECK(decide(f, n, local_state::held, std::nullopt, o).what == verdict::held);
  CHECK(decide(f, n, local_state::fetching, std::nullopt, o).what == verdict::fetching);
  CHECK(decide(f, n, local_state::abandoned, std::nullopt, o).what == verdict::abandoned);
  f.replica_here = true;
  CHECK(decide(f, n, local_state::none, std::nullopt, o).what == verdict::held);
}

TEST_CASE("policy: a lost replica waits out its cooldown, then is a candidate again", "[market][policy]") {
  policy_options o;
  o.lost_cooldown_slots = 4;
  auto f = pending_file();
  auto n = a_node(); // slot 10
  auto d = decide(f, n, local_state::lost, uint64_t{7}, o);
  CHECK(d.what == verdict::lost_recently);
  CHECK(d.reason.find("slot 11") != std::string::npos);
  CHECK(decide(f, n, local_state::lost, uint64_t{6}, o).take());
}

TEST_CASE("policy: a file with max_replicas replicas is skipped; fewer is under-replicated", "[market][policy]") {
  policy_options o;
  auto f = pending_file();
  f.live = true;
  f.expiry_height = 10000;
  auto n = a_node();
  f.replicas = 3;
  CHECK(decide(f, n, local_state::none, std::nullopt, o).what == verdict::enough_replicas);
  f.replicas = 2; // lost one: re-replicated by others
  CHECK(decide(f, n, local_state::none, std::nullopt, o).take());
}

TEST_CASE("policy: live files close to expiry are skipped; pending files have no expiry yet", "[market][policy]") {
  policy_options o;
  o.min_slots_left = 2;
  auto n = a_node(); // height 101, 10-block slots
  auto f = pending_file();
  f.live = true;
  f.expiry_height = 111; // 10 blocks: 1 slot left
  auto d = decide(f, n, local_state::none, std::nullopt, o);
  CHECK(d.what == verdict::near_expiry);
  CHECK(d.reason.find("expires in 1 slots") != std::string::npos);
  f.expiry_height = 112; // 11 blocks: 2 slots
  CHECK(decide(f, n, local_state::none, std::nullopt, o).take());
  f.live = false;
  f.expiry_height = 0;
  CHECK(decide(f, n, local_state::none, std::nullopt, o).take());
}

TEST_CASE("policy: a file larger than the free capacity is skipped", "[market][policy]") {
  policy_options o;
  auto n = a_node();
  n.free_bytes = 999;
  auto d = decide(pending_file(1000), n, local_state::none, std::nullopt, o);
  CHECK(d.what == verdict::no_space);
  CHECK(d.reason == "file of 1000 bytes does not fit in the 999 bytes of free capacity");
  n.free_bytes = 1000;
  CHECK(decide(pending_file(1000), n, local_state::none, std::nullopt, o).take());
}

TEST_CASE("policy: at max_fetches running fetches nothing more is taken", "[market][policy]") {
  policy_options o;
  o.max_fetches = 2;
  auto n = a_node();
  n.fetching = 2;
  CHECK(decide(pending_file(), n, local_state::none, std::nullopt, o).what == verdict::busy);
  n.fetching = 1;
  CHECK(decide(pending_file(), n, local_state::none, std::nullopt, o).take());
}

TEST_CASE("policy: the draw decides last, per slot", "[market][policy]") {
  policy_options o;
  o.take_ppm = 500000;
  auto n = a_node();
  auto f = pending_file();
  // Find a slot where this node does not draw the file and one where it does.
  std::optional<uint64_t> no, yes;
  for (uint64_t h = 1; h < 2000 && (!no || !yes); h += 10) {
    n.height = h;
    auto d = decide(f, n, local_state::none, std::nullopt, o);
    (d.take() ? yes : no) = h;
    CHECK((d.what == verdict::take || d.what == verdict::not_drawn));
    CHECK(d.take() == (take_draw(n.node_key, f.cid, slot_of(h, 10)) < 500000));
  }
  REQUIRE(no);
  REQUIRE(yes);
  // Rules before the draw win over it.
  n.height = *yes;
  n.free_bytes = 0;
  CHECK(decide(f, n, local_state::none, std::nullopt, o).what == verdict::no_space);
}

TEST_CASE("free capacity: configured counts held files, automatic counts the disk", "[market][policy]") {
  CHECK(free_capacity(1000, 0, 0, 300, 200) == 500);
  CHECK(free_capacity(1000, 0, 0, 900, 200) == 0);
  CHECK(free_capacity(0, 5000, 1000, 300, 200) == 3800);
  CHECK(free_capacity(0, 500, 1000, 0, 0) == 0);
}
