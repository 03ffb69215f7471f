// The storage market's chain records and queries (actors/market/market_rules.hpp).
#include <catch2/catch.hpp>

#include <msgpack.hpp>

#include "actors/market/market_rules.hpp"
#include "actors/validator/chain_types.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using namespace mantle::market;

namespace {

std::string be(uint64_t v, int bytes) {
  std::string out;
  for (int i = bytes - 1; i >= 0; --i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

file_record sample_file() {
  file_record f;
  f.size = 5000;
  f.proof_root = std::string(32, 'r');
  f.status = file_status::live;
  f.created_height = 7;
  f.expiry_height = 607;
  f.pool = 123;
  f.prepaid = 9;
  f.orders = 2;
  f.replicas = {{std::string(32, 'a'), 1, no_slot, 0}, {std::string(32, 'b'), 2, 3, 1}};
  return f;
}

node_report sample_report() {
  node_report r;
  r.last_slot = 4;
  r.files_bytes = 5000;
  r.reserved_bytes = 1 << 20;
  r.reserved_root = std::string(32, 'q');
  r.reserved_beacon = std::string(32, 'h');
  r.reserved_since_slot = 2;
  r.penalty_until_slot = no_slot;
  r.last_proven_slot = 3;
  return r;
}

challenge_set sample_challenges() {
  return challenge_set{5, {{"", 17, false}, {std::string(36, 'c'), 3, true}}};
}

// msgpack of an arbitrary value, to build malformed records.
template <class T>
std::string pack(const T& v) {
  msgpack::sbuffer buf;
  msgpack::pack(buf, v);
  return std::string(buf.data(), buf.size());
}

} // namespace

TEST_CASE("market records round-trip through their encodings", "[market][rules]") {
  auto f = sample_file();
  auto fb = decode_file_record(encode(f));
  REQUIRE(fb);
  CHECK(*fb == f);
  auto r = sample_report();
  auto rb = decode_node_report(encode(r));
  REQUIRE(rb);
  CHECK(*rb == r);
  // A node that never declared a reservation has empty roots.
  node_report fresh;
  auto fr = decode_node_report(encode(fresh));
  REQUIRE(fr);
  CHECK(*fr == fresh);
  CHECK(fr->last_slot == no_slot);
  auto c = sample_challenges();
  auto cb = decode_challenge_set(encode(c));
  REQUIRE(cb);
  CHECK(*cb == c);
  slot_info s{9, std::string(32, 'z')};
  auto sb = decode_slot_info(encode(s));
  REQUIRE(sb);
  CHECK(*sb == s);
}

TEST_CASE("market record layouts are the contract's arrays", "[market][rules]") {
  // slot_info = [slot, bin32]: fixarray(2), 9, bin8 32.
  auto s = encode(slot_info{9, std::string(32, 'z')});
  REQUIRE(s.size() == 1 + 1 + 2 + 32);
  CHECK(static_cast<uint8_t>(s[0]) == 0x92);
  CHECK(s[1] == 9);
  CHECK(static_cast<uint8_t>(s[2]) == 0xc4);
  // challenge entry = [cid bin, segment u64, answered bool].
  auto c = encode(challenge_set{1, {{"", 2, true}}});
  CHECK(c == std::string("\x92\x01\x91\x93\xc4\x00\x02\xc3", 8));
  // file record: 9 fields, status as 0/1, replicas [[key, since, last_proven, failures]].
  auto f = encode(sample_file());
  CHECK(static_cast<uint8_t>(f[0]) == 0x99);
}

TEST_CASE("malformed market records are errc::corrupt", "[market][rules]") {
  auto corrupt = [](const result<file_record>& r) { return !r && r.err().code == errc::corrupt; };
  auto f = encode(sample_file());
  CHECK(corrupt(decode_file_record("")));
  CHECK(corrupt(decode_file_record(f + "x")));
  CHECK(corrupt(decode_file_record(f.substr(0, f.size() - 1))));
  CHECK(corrupt(decode_file_record(pack(std::vector<uint64_t>{1, 2, 3}))));
  // Status 2 does not exist.
  auto bad_status = sample_file();
  auto enc = encode(bad_status);
  // [size(5000 = cd 13 88), bin8 32 root, status]: status byte at 1 + 3 + 2 + 32.
  REQUIRE(enc[38] == 1);
  enc[38] = 2;
  auto st = decode_file_record(enc);
  REQUIRE_FALSE(st);
  CHECK(st.err().message.find("status 2") != std::string::npos);
  // Non-canonical integer: slot 9 as uint64 (0xcf + 8 bytes).
  std::string slot_nc = std::string("\x92\xcf", 2) + be(9, 8) + std::string("\xc4\x20", 2) + std::string(32, 'z');
  auto nc = decode_slot_info(slot_nc);
  REQUIRE_FALSE(nc);
  CHECK(nc.err().code == errc::corrupt);
  // Roots are 32 bytes (node report roots may also be empty).
  CHECK_FALSE(decode_slot_info(encode(slot_info{9, "short"})));
  auto r = sample_report();
  r.reserved_root = "short";
  CHECK_FALSE(decode_node_report(encode(r)));
  // Extra fields are refused.
  CHECK_FALSE(decode_challenge_set(pack(std::make_tuple(1, std::vector<int>{}, 3))));
  // answered must be a boolean.
  CHECK_FALSE(decode_challenge_set(std::string("\x92\x01\x91\x93\xc4\x00\x02\x01", 8)));
}

TEST_CASE("files_root hashes the set in cid order", "[market][rules]") {
  // The empty set hashes the domain alone.
  CHECK(files_root({}) == chain::hash("mantle/files/v1"));
  // One file: domain || u32be(len) || cid || u64be(size).
  CHECK(files_root({{"ab", 5}}) == chain::hash(std::string("mantle/files/v1") + be(2, 4) + "ab" + be(5, 8)));
  std::string expected =
      chain::hash(std::string("mantle/files/v1") + be(1, 4) + "a" + be(300, 8) + be(2, 4) + "ab" + be(5, 8));
  CHECK(files_root({{"a", 300}, {"ab", 5}}) == expected);
  // Given out of order, the set is hashed in cid order.
  CHECK(files_root({{"ab", 5}, {"a", 300}}) == expected);
  // The size is committed.
  CHECK(files_root({{"a", 301}, {"ab", 5}}) != expected);
}

TEST_CASE("keys and slot arithmetic", "[market][rules]") {
  CHECK(file_key("cid") == "Fcid");
  CHECK(node_file_key(std::string(32, 'n'), "c") == "H" + std::string(32, 'n') + "c");
  CHECK(pot_schedule_key(258) == std::string("Y\0\0\0\0\0\0\x01\x02", 9));
  CHECK(reserve_key() == "Z");
  CHECK(slot_key() == "L");
  // slot_blocks 10: heights 1..10 are slot 0, 11..20 slot 1.
  CHECK(slot_of(1, 10) == 0);
  CHECK(slot_of(10, 10) == 0);
  CHECK(slot_of(11, 10) == 1);
  CHECK(first_height_of(1, 10) == 11);
  CHECK(first_height_of(0, 10) == 1);
}

TEST_CASE("market queries read the tables of a state", "[market][rules]") {
  test::temp_dir dir{"mantle-market"};
  auto db = state_db::open(dir.path, 1ull << 26).value();
  auto w = db->begin_write().value();
  std::string n1(32, '1');
  w->put(file_key("c2"), encode(sample_file()));
  w->put(file_key("c1"), encode(sample_file()));
  w->put(file_key("c3"), encode(sample_file()));
  w->put(node_report_key(n1), encode(sample_report()));
  w->put(node_file_key(n1, "c2"), chain::encode_u64(20));
  w->put(node_file_key(n1, "c1"), chain::encode_u64(10));
  w->put(challenges_key(n1), encode(sample_challenges()));
  w->put(reserve_key(), chain::encode_u64(77));
  w->put(pot_schedule_key(3), chain::encode_u64(5));
  REQUIRE(w->finish(0));
  REQUIRE(w->commit());
  auto v = db->begin_read().value();

  auto f = read_file(*v, "c1");
  REQUIRE(f);
  REQUIRE(*f);
  CHECK(**f == sample_file());
  CHECK_FALSE(*read_file(*v, "nope"));
  auto all = read_files(*v, "", 10);
  REQUIRE(all);
  REQUIRE(all->size() == 3);
  CHECK((*all)[0].first == "c1");
  CHECK((*all)[2].first == "c3");
  auto page = read_files(*v, "c1", 1);
  REQUIRE(page);
  REQUIRE(page->size() == 1);
  CHECK((*page)[0].first == "c2");
  CHECK(read_node_report(*v, n1).value() == sample_report());
  CHECK_FALSE(read_node_report(*v, std::string(32, '2')).value());
  auto files = read_node_files(*v, n1);
  REQUIRE(files);
  CHECK(*files == std::vector<std::pair<std::string, uint64_t>>{{"c1", 10}, {"c2", 20}});
  CHECK(read_challenges(*v, n1).value() == sample_challenges());
  // Before the first slot boundary: slot 0 with the zero hash.
  CHECK(read_slot(*v).value() == slot_info{0, std::string(32, '\0')});
  CHECK(read_reserve(*v).value() == 77);
  CHECK(read_pot_schedule(*v, 3).value() == 5);
  CHECK(read_pot_schedule(*v, 4).value() == 0);
}

// --- rules over a real chain state -------------------------------------------------------------
//
// Worked examples. Parameters (market_params below): slot_blocks 2 (slot s = heights 2s+1, 2s+2),
// era_blocks 1000 (no era ends unless a test says so), min_fee 10, 4 challenges per slot,
// file_duration_blocks 20, lost_after_failures 2, missed_report_slots 2, reserved units 4 KiB
// at weight 10%, max 4 report entries, max file 1 MiB; order pricing at the defaults: base 1000,
// 100 per started MiB, key fee 500, 72% of byte+key fee to the pot over 6 eras, 18% (+ tips)
// to the pool, the rest (+ base) to the reserve.
// A file X of 5000 bytes (1 started MiB) ordered with tips 892:
//   fee = 1000 + 100 + 500 + 892 = 2492; market part = 600
//   pot = 600 × 0.72 = 432 (72 in each of eras 1..6), pool = 600 × 0.18 + 892 = 108 + 892 = 1000,
//   reserved = 600 − 432 − 108 + 1000 = 1060.                 432 + 1000 + 1060 = 2492.
#include <functional>
#include <map>

#include "actors/prover/challenge.hpp"
#include "actors/prover/proof_tree.hpp"
#include "actors/prover/reserved_space.hpp"
#include "storage/identity.hpp"

using namespace mantle::chain;
namespace mtable = mantle::market::table;

namespace {

node_identity key(int i) { return *node_identity::from_seed(std::string(32, static_cast<char>(i))); }

const node_identity A = key(1), B = key(2), alice = key(3), carol = key(5);
const node_identity nA = key(101), nB = key(102);

chain_params market_params() {
  chain_params p;
  p.min_fee = 10;
  p.slot_blocks = 2;
  p.era_blocks = 1000;
  p.unbonding_blocks = 5;
  p.stake_per_gib = 1000;
  p.inflation_per_era = 1000000;
  p.validator_count = 2;
  p.challenges_per_slot = 4;
  p.max_replicas = 8;
  p.file_duration_blocks = 20;
  p.reserved_unit_bytes = 4096;
  p.lost_after_failures = 2;
  p.missed_report_slots = 2;
  p.max_report_files = 4;
  p.max_file_bytes = 1 << 20;
  return p;
}

// A (owner 1, node 101) and B (owner 2, node 102) validate and store; alice (3) orders, carol
// (5) is nearly broke. The owners start with no free balance, so their balances are exactly
// what the pools paid them.
genesis market_genesis(chain_params p = market_params()) {
  genesis g;
  g.chain_id = "mantle-market";
  g.params = p;
  g.accounts = {{alice.public_key(), 10000000}, {carol.public_key(), 100}};
  g.validators = {{A.public_key(), nA.public_key(), 3000, 10 * gib, 100000},
                  {B.public_key(), nB.public_key(), 1000, 10 * gib, 0}};
  return g;
}

std::string file_bytes(size_t n, char seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>(seed + i * 7 + (i >> 8));
  return s;
}

std::string root_of(std::string_view bytes) {
  auto d = proof::compute_root(bytes).root;
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

proof::digest digest_of(const std::string& s) {
  proof::digest d{};
  std::copy(s.begin(), s.end(), d.begin());
  return d;
}

struct market_fixture {
  test::temp_dir dir{"mantle-market"};
  std::unique_ptr<state_db> db;
  genesis g;
  uint64_t height = 0;
  std::map<std::string, uint64_t> pending; // txs built for the next block, per sender
  std::map<std::string, std::string> files;    // cid -> bytes
  std::map<std::string, std::string> reserved; // node key -> its labels

  explicit market_fixture(genesis gen = market_genesis()) : g(std::move(gen)) {
    db = state_db::open(dir.path, 1ull << 30).value();
    auto root = init_genesis(*db, g);
    INFO((root ? "" : root.err().describe()));
    REQUIRE(root);
    files["X"] = file_bytes(5000, 1);
    files["Y"] = file_bytes(3000, 2);
    files["Z"] = file_bytes(1024, 3);
  }

  std::unique_ptr<state_read> view() { return db->begin_read().value(); }
  const chain_params& p() const { return g.params; }

  static std::string prev_hash(uint64_t h) { return h == 1 ? std::string(32, '\0') : hash("block " + std::to_string(h - 1)); }

  block_outcome block(const std::vector<std::string>& txs) {
    block_context ctx{height + 1, 1000 * (height + 1), nA.public_key(), {}, prev_hash(height + 1)};
    auto out = apply_block(*db, ctx, txs);
    INFO((out ? "" : out.err().describe()));
    REQUIRE(out);
    ++height;
    pending.clear();
    check_conservation();
    return *out;
  }

  // Empty blocks until the next block is the first of a slot.
  void to_slot_start() {
    while (height % p().slot_blocks != 0)
      block({});
  }

  // One slot of two blocks: the first carries `first` (reports, orders), the second the proofs
  // of `provers` for this slot's challenges. Returns the first block's outcome.
  block_outcome slot(const std::vector<std::string>& first, const std::vector<node_identity>& provers = {}) {
    REQUIRE(height % p().slot_blocks == 0);
    auto out = block(first);
    std::vector<std::string> proofs;
    for (const auto& n : provers)
      if (auto tx = proofs_tx(n))
        proofs.push_back(*tx);
    auto second = block(proofs);
    for (const auto& r : second.receipts) {
      INFO(r.reason);
      CHECK(r.ok);
    }
    return out;
  }

  std::string tx(const node_identity& who, const tx_body& body, uint64_t fee = 10) {
    uint64_t n = read_account(*view(), who.public_key())->nonce + pending[who.public_key()]++;
    return encode(make_tx(who, g.chain_id, n, fee, body));
  }
  std::string order(const std::string& cid, uint64_t tips = 892, const node_identity& who = alice) {
    return tx(who, txs::place_order{cid, files.at(cid).size(), root_of(files.at(cid)), tips});
  }

  // The slot and slot hash the next block runs in.
  uint64_t next_slot() const { return slot_of(height + 1, g.params.slot_blocks); }
  std::string next_slot_hash() {
    if ((height % p().slot_blocks) == 0 && height > 0)
      return prev_hash(height + 1);
    return read_slot(*view())->slot_hash;
  }

  txs::work_report report_body(const node_identity& n, const std::vector<std::string>& added = {},
                               const std::vector<std::string>& deleted = {}, uint64_t reserved_bytes = 0,
                               std::string reserved_root = std::string(32, '\0')) {
    auto set = read_node_files(*view(), n.public_key()).value();
    std::map<std::string, uint64_t> next(set.begin(), set.end());
    for (const auto& c : added)
      next[c] = files.count(c) ? files.at(c).size() : 0;
    for (const auto& c : deleted)
      next.erase(c);
    uint64_t bytes = 0;
    for (const auto& [c, s] : next)
      bytes += s;
    std::vector<std::pair<std::string, uint64_t>> v(next.begin(), next.end());
    return txs::work_report{next_slot(), next_slot_hash(), reserved_bytes, bytes, std::move(reserved_root),
                            files_root(v), added, deleted};
  }
  std::string report(const node_identity& n, const std::vector<std::string>& added = {},
                     const std::vector<std::string>& deleted = {}) {
    auto r = read_node_report(*view(), n.public_key()).value();
    uint64_t rb = r ? r->reserved_bytes : 0;
    std::string rr = r && !r->reserved_root.empty() ? r->reserved_root : std::string(32, '\0');
    return tx(n, report_body(n, added, deleted, rb, rr), 0);
  }
  // Declares `bytes` of reserved space with labels for this slot's beacon.
  std::string report_reserved(const node_identity& n, uint64_t bytes, const std::vector<std::string>& added = {},
                              std::string beacon = {}) {
    std::string labels;
    if (beacon.empty())
      beacon = next_slot_hash();
    auto t = reserved::generate(n.public_key(), beacon, bytes, [&](std::string_view piece) -> status {
      labels.append(piece);
      return {};
    });
    REQUIRE(t);
    reserved[n.public_key()] = labels;
    return tx(n, report_body(n, added, {}, bytes, std::string(reinterpret_cast<const char*>(t->root.data()), 32)), 0);
  }

  // Proof answers for the node's unanswered challenges (all, or those with numbers in `only`).
  std::vector<txs::proof_answer> answers(const node_identity& n, std::vector<uint64_t> only = {}) {
    auto q = read_challenges(*view(), n.public_key()).value();
    REQUIRE(q);
    std::vector<txs::proof_answer> out;
    for (uint64_t i = 0; i < q->challenges.size(); ++i) {
      const auto& ch = q->challenges[i];
      if (ch.answered || (!only.empty() && std::find(only.begin(), only.end(), i) == only.end()))
        continue;
      const std::string& data = ch.cid.empty() ? reserved.at(n.public_key()) : files.at(ch.cid);
      std::string root = root_of(data);
      std::vector<uint64_t> idx{ch.segment_index};
      if (ch.cid.empty() && ch.segment_index > 0)
        idx.push_back(ch.segment_index - 1); // reserved answers carry the segment before
      auto proofs = proof::make_proofs(digest_of(root), data.size(), idx,
                                       [&](uint64_t off, size_t len, std::string& buf) -> status {
                                         buf = data.substr(off, len);
                                         return {};
                                       });
      REQUIRE(proofs);
      if (ch.cid.empty())
        out.push_back({i, reserved::encode_answer({(*proofs)[0], idx.size() > 1 ? std::optional<proof::segment_proof>((*proofs)[1])
                                                                                 : std::nullopt})});
      else
        out.push_back({i, proof::encode((*proofs)[0])});
    }
    return out;
  }
  std::optional<std::string> proofs_tx(const node_identity& n) {
    auto q = read_challenges(*view(), n.public_key()).value();
    if (!q || q->challenges.empty())
      return std::nullopt;
    return tx(n, txs::storage_proof{q->slot, answers(n)}, 0);
  }

  uint64_t balance(const node_identity& k) { return read_account(*view(), k.public_key())->balance; }
  uint64_t nonce(const node_identity& k) { return read_account(*view(), k.public_key())->nonce; }
  uint64_t power(const node_identity& n) { return read_node(*view(), n.public_key())->value().storage_power; }
  std::optional<file_record> file(const std::string& cid) { return read_file(*view(), cid).value(); }
  node_report report_of(const node_identity& n) { return read_node_report(*view(), n.public_key()).value().value(); }
  uint64_t reserve() { return read_reserve(*view()).value(); }
  uint64_t scheduled(uint64_t era) { return read_pot_schedule(*view(), era).value(); }

  // Every base unit is somewhere: balances, stakes, the pot, the pot schedule, the reserve and
  // the files' pools and prepaid.
  void check_conservation() {
    auto v = view();
    uint64_t sum = 0;
    auto rows = [&](char t) { return v->scan(std::string(1, t)).value(); }; // a copy: no dangling
    for (const auto& [k, val] : rows(chain::table::account))
      sum += decode_account(val)->balance;
    for (const auto& [k, val] : rows(chain::table::stake)) {
      auto s = *decode_stake(val);
      sum += s.bonded;
      for (const auto& c : s.unbonding)
        sum += c.amount;
    }
    for (const auto& [k, val] : rows(mtable::pot_schedule))
      sum += *decode_u64(val);
    sum += read_reserve(*v).value();
    for (const auto& [k, val] : rows(mtable::file)) {
      auto f = decode_file_record(val).value();
      sum += f.pool + f.prepaid;
    }
    auto e = *read_era(*v);
    CHECK(sum + e.pot == e.issuance);
  }
};

const std::string& reason(const block_outcome& o, size_t i) { return o.receipts.at(i).reason; }

bool has_event(const block_outcome& o, event_kind k, const std::string& subject) {
  for (const auto& e : o.events)
    if (e.kind == k && e.subject == subject)
      return true;
  return false;
}

} // namespace

TEST_CASE("an order's fee goes to the pot schedule, the file's pool and the reserve", "[market][rules]") {
  market_fixture f;
  uint64_t before = f.balance(alice);
  auto o = f.block({f.order("X")});
  REQUIRE(o.receipts[0].ok);
  // 2492 order fee + 10 tx fee.
  CHECK(f.balance(alice) == before - 2492 - 10);
  auto x = f.file("X");
  REQUIRE(x);
  CHECK(x->status == file_status::pending);
  CHECK(x->size == 5000);
  CHECK(x->proof_root == root_of(f.files["X"]));
  CHECK(x->created_height == 1);
  CHECK(x->expiry_height == 0);
  CHECK(x->pool == 1000);
  CHECK(x->prepaid == 0);
  CHECK(x->orders == 1);
  CHECK(x->replicas.empty());
  CHECK(f.reserve() == 1060);
  // The pot share is paid in the 6 eras after the current one (era 0), 432 / 6 = 72 each.
  CHECK(f.scheduled(0) == 0);
  for (uint64_t e = 1; e <= 6; ++e)
    CHECK(f.scheduled(e) == 72);
  CHECK(f.scheduled(7) == 0);
  // Only the tx fee went into this era's pot.
  CHECK(read_era(*f.view())->pot == 10);
}

TEST_CASE("a scheduled pot share moves into the pot when its era opens", "[market][rules]") {
  auto p = market_params();
  p.era_blocks = 4;
  market_fixture f(market_genesis(p));
  f.block({f.order("X")});
  f.block({});
  f.block({});
  uint64_t pot_before = read_era(*f.view())->pot; // era 0: the order's tx fee only
  CHECK(pot_before == 10);
  f.block({}); // height 4 closes era 0
  auto e = *read_era(*f.view());
  CHECK(e.index == 1);
  // What era 0 did not pay out stays, and era 1's scheduled 72 joins it.
  CHECK(e.pot == pot_before + p.inflation_per_era - e.last_reward + 72);
  CHECK(f.scheduled(1) == 0);
  CHECK(f.scheduled(2) == 72);
  for (int i = 0; i < 4; ++i)
    f.block({}); // height 8 closes era 1: its pot (with the 72) is paid out
  e = *read_era(*f.view());
  CHECK(e.index == 2);
  CHECK(f.scheduled(2) == 0);
  CHECK(f.scheduled(3) == 72);
}

TEST_CASE("re-ordering a known file tops up its pool; a different size or root is refused", "[market][rules]") {
  market_fixture f;
  f.block({f.order("X")});
  uint64_t before = f.balance(alice);
  // Re-order while pending, tips 0: fee 1600, pool += 108, reserve += 1060, pot 432 more.
  auto o = f.block({f.order("X", 0)});
  REQUIRE(o.receipts[0].ok);
  CHECK(f.balance(alice) == before - 1600 - 10);
  auto x = f.file("X");
  CHECK(x->pool == 1108);
  CHECK(x->orders == 2);
  CHECK(x->status == file_status::pending);
  CHECK(x->expiry_height == 0);
  CHECK(f.reserve() == 2120);
  CHECK(f.scheduled(1) == 144);
  // Same cid, another size or root.
  before = f.balance(alice);
  uint64_t n = f.nonce(alice);
  auto bad = f.block({f.tx(alice, txs::place_order{"X", 5001, root_of(f.files["X"]), 0}),
                      f.tx(alice, txs::place_order{"X", 5000, std::string(32, 'r'), 0})});
  CHECK_FALSE(bad.receipts[0].ok);
  CHECK(reason(bad, 0).find("cid already ordered with size 5000") != std::string::npos);
  CHECK_FALSE(bad.receipts[1].ok);
  CHECK(f.balance(alice) == before);
  CHECK(f.nonce(alice) == n);
  CHECK(f.file("X")->pool == 1108);
}

TEST_CASE("re-ordering a live file extends its expiry", "[market][rules]") {
  market_fixture f;
  f.slot({f.order("X"), f.report(nA, {"X"})});
  f.slot({f.report(nA)}, {nA});
  f.slot({f.report(nA)}, {nA}); // height 5: live, expiry 5 + 20 = 25
  REQUIRE(f.file("X")->status == file_status::live);
  REQUIRE(f.file("X")->expiry_height == 25);
  f.block({}); // height 7 pays slot 2 from the pool
  uint64_t pool = f.file("X")->pool;
  f.block({f.order("X", 0)});
  CHECK(f.file("X")->expiry_height == 45);
  CHECK(f.file("X")->pool == pool + 108);
  CHECK(f.file("X")->orders == 2);
}

TEST_CASE("an order the sender cannot pay changes nothing", "[market][rules]") {
  market_fixture f;
  // carol has 100: the tx fee is fine, the 1600 order fee is not.
  auto o = f.block({f.order("X", 0, carol)});
  CHECK_FALSE(o.receipts[0].ok);
  CHECK(reason(o, 0).find("insufficient funds") != std::string::npos);
  CHECK(f.balance(carol) == 100);
  CHECK(f.nonce(carol) == 0);
  CHECK_FALSE(f.file("X"));
  CHECK(f.reserve() == 0);
  CHECK(f.scheduled(1) == 0);
  // check_tx refuses it up front.
  auto c = check_tx(*f.db, f.order("X", 0, carol));
  REQUIRE_FALSE(c);
  CHECK(c.err().message.find("would fail") != std::string::npos);
  // Too large a file.
  auto big = f.block({f.tx(alice, txs::place_order{"B", (1 << 20) + 1, std::string(32, 'r'), 0})});
  CHECK(reason(big, 0).find("above the largest orderable") != std::string::npos);
}

TEST_CASE("add_prepaid moves balance into a file's prepaid", "[market][rules]") {
  market_fixture f;
  f.block({f.order("X")});
  uint64_t before = f.balance(alice);
  auto o = f.block({f.tx(alice, txs::add_prepaid{"X", 2000}), f.tx(alice, txs::add_prepaid{"nope", 5})});
  CHECK(o.receipts[0].ok);
  CHECK(f.file("X")->prepaid == 2000);
  CHECK(f.balance(alice) == before - 2000 - 10);
  CHECK_FALSE(o.receipts[1].ok);
  CHECK(reason(o, 1).find("no order for this cid") != std::string::npos);
  auto poor = f.block({f.tx(carol, txs::add_prepaid{"X", 95})});
  CHECK_FALSE(poor.receipts[0].ok);
  CHECK(reason(poor, 0).find("insufficient funds") != std::string::npos);
  CHECK(f.file("X")->prepaid == 2000);
}

TEST_CASE("a work report adds replicas and updates the node's set", "[market][rules]") {
  market_fixture f;
  f.block({f.order("X"), f.order("Y")});
  // Slot 0, hash = 32 zero bytes. Fee 0 from the node key is valid.
  auto o = f.block({f.report(nA, {"X", "Y"})});
  INFO(reason(o, 0));
  REQUIRE(o.receipts[0].ok);
  CHECK(has_event(o, event_kind::report, nA.public_key()));
  auto r = f.report_of(nA);
  CHECK(r.last_slot == 0);
  CHECK(r.files_bytes == 8000);
  CHECK(r.reserved_bytes == 0);
  CHECK(r.reserved_since_slot == 0);
  CHECK(r.penalty_until_slot == no_slot);
  CHECK(r.last_proven_slot == no_slot);
  CHECK(read_node_files(*f.view(), nA.public_key()).value() ==
        std::vector<std::pair<std::string, uint64_t>>{{"X", 5000}, {"Y", 3000}});
  auto x = f.file("X");
  REQUIRE(x->replicas.size() == 1);
  CHECK(x->replicas[0] == replica{nA.public_key(), 0, no_slot, 0});
  // The node key's account exists now (nonce 1), with no funds.
  CHECK(f.nonce(nA) == 1);
  CHECK(f.balance(nA) == 0);
  // Next slot: B adds X too, A deletes Y.
  f.to_slot_start();
  o = f.block({f.report(nB, {"X"}), f.report(nA, {}, {"Y"})});
  REQUIRE(o.receipts[0].ok);
  REQUIRE(o.receipts[1].ok);
  x = f.file("X");
  REQUIRE(x->replicas.size() == 2);
  CHECK(x->replicas[0].node_key == nA.public_key()); // since slot 0, before B's slot 1
  CHECK(x->replicas[1] == replica{nB.public_key(), 1, no_slot, 0});
  CHECK(f.file("Y")->replicas.empty());
  CHECK(f.report_of(nA).files_bytes == 5000);
  CHECK(f.report_of(nA).last_slot == 1);
}

TEST_CASE("bad work reports are refused with a reason", "[market][rules]") {
  auto p = market_params();
  p.slot_blocks = 20; // every refused report below lands in slot 0
  market_fixture f(market_genesis(p));
  f.block({f.order("X"), f.order("Y"), f.order("Z")});
  auto refused = [&](const txs::work_report& body, const std::string& why, const node_identity& from = nA,
                     uint64_t fee = 0) {
    auto o = f.block({f.tx(from, body, fee)});
    INFO(why);
    CHECK_FALSE(o.receipts[0].ok);
    CHECK(reason(o, 0).find(why) != std::string::npos);
  };
  auto body = f.report_body(nA, {"X"});
  auto b = body;
  b.slot = 1;
  refused(b, "the current slot is 0");
  b = body;
  b.slot_hash = std::string(32, 'h');
  refused(b, "is not the hash of slot 0");
  refused(f.report_body(nA, {"nope"}), "added cid");
  b = body;
  b.files_bytes = 4999;
  refused(b, "files_bytes 4999 but the node's set holds 5000");
  b = body;
  b.files_root = files_root({{"X", 5001}});
  refused(b, "files_root");
  refused(f.report_body(nA, {"X", "X"}), "listed twice");
  refused(f.report_body(nA, {"X", "Y", "Z", "a", "b"}), "5 added and deleted files, more than the 4");
  refused(f.report_body(nA, {}, {"X"}), "deleted cid");
  refused(f.report_body(nA, {"X"}, {}, 1000), "not a multiple of 4096");
  // From an account that is no node key (its min fee paid).
  refused(f.report_body(alice, {"X"}), "not a registered node key", alice, 10);
  CHECK_FALSE(read_node_report(*f.view(), nA.public_key()).value());
  // One report per slot; a file already held cannot be added again.
  auto ok = f.block({f.report(nA, {"X"})});
  REQUIRE(ok.receipts[0].ok);
  f.to_slot_start();
  auto o = f.block({f.report(nA, {"Y"}), f.tx(nA, f.report_body(nA, {"Z"}), 0)});
  CHECK(o.receipts[0].ok);
  CHECK_FALSE(o.receipts[1].ok);
  CHECK(reason(o, 1).find("already reported in slot 1") != std::string::npos);
  f.block({});
  f.to_slot_start();
  refused(f.report_body(nA, {"X"}), "already in the node's set");
}

TEST_CASE("work reports and proofs of registered nodes need no fee; others pay min_fee", "[market][rules]") {
  market_fixture f;
  f.block({f.order("X")});
  // check_tx admits a fee-0 report from the node key, not from alice, and not other types.
  CHECK(check_tx(*f.db, f.report(nA, {"X"})));
  f.pending.clear();
  auto from_alice = check_tx(*f.db, f.tx(alice, f.report_body(alice, {"X"}), 0));
  REQUIRE_FALSE(from_alice);
  CHECK(from_alice.err().message.find("below the minimum") != std::string::npos);
  f.pending.clear();
  auto transfer = check_tx(*f.db, f.tx(nA, txs::transfer{alice.public_key(), 0}, 0));
  REQUIRE_FALSE(transfer);
  CHECK(transfer.err().message.find("below the minimum") != std::string::npos);
  f.pending.clear();
  // In a block the same: the exempt report executes, a fee-0 transfer from the node fails.
  auto o = f.block({f.report(nA, {"X"}), f.tx(nA, txs::transfer{alice.public_key(), 1}, 0)});
  CHECK(o.receipts[0].ok);
  CHECK_FALSE(o.receipts[1].ok);
  CHECK(reason(o, 1).find("below the minimum") != std::string::npos);
  // A node may still pay a fee if it has funds; here it has none.
  f.to_slot_start();
  auto paid = f.block({f.tx(nA, f.report_body(nA), 10)});
  CHECK_FALSE(paid.receipts[0].ok);
  CHECK(reason(paid, 0).find("insufficient funds for the fee") != std::string::npos);
}

TEST_CASE("challenges at a slot boundary are select_challenges over the node's set", "[market][rules]") {
  market_fixture f;
  f.slot({f.order("X"), f.order("Y"), f.report(nA, {"X", "Y"})});
  // Height 3 opens slot 1: its hash is block 3's prev_hash, and A (which reported in slot 0)
  // gets challenges drawn with it as the seed; B (no report) gets none.
  f.block({});
  CHECK(read_slot(*f.view()).value() == slot_info{1, market_fixture::prev_hash(3)});
  auto q = read_challenges(*f.view(), nA.public_key()).value();
  REQUIRE(q);
  CHECK(q->slot == 1);
  proof::seed32 seed{};
  auto h = market_fixture::prev_hash(3);
  std::copy(h.begin(), h.end(), seed.begin());
  std::string k = nA.public_key();
  // Files in cid order: X (5000 bytes = 5 segments), Y (3000 = 3).
  std::vector<proof::stored_file> set = {{"X", 5}, {"Y", 3}};
  auto expected = proof::select_challenges(seed, std::vector<uint8_t>(k.begin(), k.end()), set, 4);
  REQUIRE(expected.size() == 4);
  REQUIRE(q->challenges.size() == 4);
  for (size_t i = 0; i < 4; ++i) {
    CHECK(q->challenges[i].cid == set[expected[i].file_index].file_id);
    CHECK(q->challenges[i].segment_index == expected[i].segment_index);
    CHECK_FALSE(q->challenges[i].answered);
  }
  CHECK_FALSE(read_challenges(*f.view(), nB.public_key()).value());
  // A does not report in slot 1: at slot 2 its challenge set is removed.
  f.block({});
  f.block({});
  CHECK_FALSE(read_challenges(*f.view(), nA.public_key()).value());
}

TEST_CASE("storage proofs over real file bytes pass; bad ones fail the whole tx", "[market][rules]") {
  market_fixture f;
  f.slot({f.order("X"), f.order("Y"), f.report(nA, {"X", "Y"})});
  f.block({f.report(nA)}); // height 3, slot 1: challenges drawn
  auto q = read_challenges(*f.view(), nA.public_key()).value().value();
  auto good = f.answers(nA);
  REQUIRE(good.size() == 4);
  auto proof_of = [&](size_t i) { return proof::decode_segment_proof(good[i].proof).value(); };
  std::vector<std::pair<std::string, txs::storage_proof>> bad;
  {
    auto p = proof_of(0);
    p.segment[0] ^= 1;
    bad.push_back({"does not lead to the file's root", txs::storage_proof{1, {{0, proof::encode(p)}}}});
  }
  {
    auto p = proof_of(0);
    if (!p.path.empty())
      p.path[0][0] ^= 1;
    else
      p.segment[1] ^= 1;
    bad.push_back({"does not lead to the file's root", txs::storage_proof{1, {{0, proof::encode(p)}}}});
  }
  {
    auto p = proof_of(0);
    p.index += 1;
    bad.push_back({"the challenge asks for", txs::storage_proof{1, {{0, proof::encode(p)}}}});
  }
  bad.push_back({"answered twice", txs::storage_proof{1, {good[0], good[0]}}});
  bad.push_back({"for slot 2 but the current slot is 1", txs::storage_proof{2, {good[0]}}});
  bad.push_back({"challenge 4 does not exist", txs::storage_proof{1, {{4, good[0].proof}}}});
  // Challenge 0's proof offered for another challenge (another segment or file).
  size_t other = 1;
  while (other < 4 && q.challenges[other].cid == q.challenges[0].cid &&
         q.challenges[other].segment_index == q.challenges[0].segment_index)
    ++other;
  REQUIRE(other < 4);
  bad.push_back({"challenge " + std::to_string(other), txs::storage_proof{1, {good[0], {other, good[0].proof}}}});
  bad.push_back({"challenge 0: ", txs::storage_proof{1, {{0, "not a proof"}}}});
  // All in height 4 (still slot 1), each with the node's next nonce: a failing tx changes
  // nothing, so they all compete for the same nonce and the good one at the end takes it.
  uint64_t n = f.nonce(nA);
  std::vector<std::string> block_txs;
  for (auto& [why, body] : bad)
    block_txs.push_back(encode(make_tx(nA, f.g.chain_id, n, 0, body)));
  // Half of the answers first, then the rest: answers may be split over txs.
  block_txs.push_back(encode(make_tx(nA, f.g.chain_id, n, 0, txs::storage_proof{1, {good[0], good[1]}})));
  block_txs.push_back(encode(make_tx(nA, f.g.chain_id, n + 1, 0, txs::storage_proof{1, {good[2], good[3]}})));
  // Answering an answered challenge again fails.
  block_txs.push_back(encode(make_tx(nA, f.g.chain_id, n + 2, 0, txs::storage_proof{1, {good[1]}})));
  auto o = f.block(block_txs);
  REQUIRE(f.height == 4);
  for (size_t i = 0; i < bad.size(); ++i) {
    INFO(bad[i].first);
    CHECK_FALSE(o.receipts[i].ok);
    CHECK(reason(o, i).find(bad[i].first) != std::string::npos);
  }
  CHECK(o.receipts[bad.size()].ok);
  CHECK(o.receipts[bad.size() + 1].ok);
  CHECK_FALSE(o.receipts[bad.size() + 2].ok);
  CHECK(reason(o, bad.size() + 2).find("was already answered") != std::string::npos);
  auto after = read_challenges(*f.view(), nA.public_key()).value().value();
  for (const auto& ch : after.challenges)
    CHECK(ch.answered);
}

TEST_CASE("settlement: proven replicas take the pool, failing ones lose pay, power and then the replica",
          "[market][rules]") {
  market_fixture f;
  // Slot 0 (heights 1, 2): X ordered (pool 1000), A and B add it.
  f.slot({f.order("X"), f.report(nA, {"X"}), f.report(nB, {"X"})});
  // Slot 1: first challenges. Settling slot 0 proved nothing (no challenge set yet): the
  // genesis storage power of both is replaced by 0, the file stays pending.
  auto s1 = f.slot({f.report(nA), f.report(nB)}, {nA, nB});
  CHECK(f.power(nA) == 0);
  CHECK(f.power(nB) == 0);
  CHECK(f.file("X")->status == file_status::pending);
  CHECK_FALSE(has_event(s1, event_kind::order_live, "X"));
  // Slot 2 opens at height 5: both proved slot 1. X goes live, expiry 5 + 20 = 25, and pays
  // slot 1: remaining slots ceil((25 − 5) / 2) = 10, two replicas: 1000 / 20 = 50 each.
  auto s2 = f.slot({f.report(nA), f.report(nB)}, {nB}); // A will not answer in slot 2
  CHECK(has_event(s2, event_kind::order_live, "X"));
  auto x = f.file("X");
  CHECK(x->status == file_status::live);
  CHECK(x->expiry_height == 25);
  CHECK(x->pool == 900);
  CHECK(f.balance(A) == 50);
  CHECK(f.balance(B) == 50);
  CHECK(x->replicas[0].last_proven_slot == 1);
  CHECK(x->replicas[1].last_proven_slot == 1);
  CHECK(f.power(nA) == 5000);
  CHECK(f.power(nB) == 5000);
  CHECK(f.report_of(nA).last_proven_slot == 1);
  // Slot 3 opens at height 7: A left its challenges unanswered: no pay, power 0, one failure.
  // B alone: remaining ceil((25 − 7) / 2) = 9, 900 / 9 = 100.
  f.slot({f.report(nA), f.report(nB)}, {nB});
  x = f.file("X");
  CHECK(f.balance(A) == 50);
  CHECK(f.balance(B) == 150);
  CHECK(x->pool == 800);
  CHECK(f.power(nA) == 0);
  CHECK(f.power(nB) == 5000);
  auto ra = std::find_if(x->replicas.begin(), x->replicas.end(), [](const replica& r) { return r.node_key == nA.public_key(); });
  REQUIRE(ra != x->replicas.end());
  CHECK(ra->failures == 1);
  CHECK(ra->last_proven_slot == 1);
  // Slot 4 opens at height 9: a second failed slot, A's replica is lost.
  auto s4 = f.block({f.report(nB)});
  CHECK(has_event(s4, event_kind::replica_lost, nA.public_key()));
  for (const auto& e : s4.events)
    if (e.kind == event_kind::replica_lost) {
      // Published as node event "replica_lost"; its text names the node and the cid in full.
      CHECK(std::string(to_string(e.kind)) == "replica_lost");
      CHECK(e.text.find(to_hex(nA.public_key())) != std::string::npos);
      CHECK(e.text.find(to_hex("X")) != std::string::npos);
    }
  CHECK(std::string(to_string(event_kind::report)) == "work_report");
  CHECK(std::string(to_string(event_kind::order_live)) == "order_live");
  x = f.file("X");
  REQUIRE(x->replicas.size() == 1);
  CHECK(x->replicas[0].node_key == nB.public_key());
  CHECK(read_node_files(*f.view(), nA.public_key()).value().empty());
  CHECK(f.report_of(nA).files_bytes == 0);
  CHECK(f.balance(B) == 250); // 800 / ceil((25 − 9) / 2) = 100
  CHECK(x->pool == 700);
  // A learns of the loss and reports its now empty set in slot 4. Its challenge set for slot 4
  // was drawn after the loss, from the empty set: it passes (height 11), with no bytes to count.
  f.block({f.report(nA), *f.proofs_tx(nB)});
  f.slot({f.report(nA), f.report(nB)}, {nB});
  CHECK(f.power(nA) == 0);
  CHECK(f.report_of(nA).last_proven_slot == 4);
  CHECK(f.power(nB) == 5000);
}

TEST_CASE("a file's pool pays at most max_replicas replicas, the earliest first", "[market][rules]") {
  auto p = market_params();
  p.max_replicas = 1;
  market_fixture f(market_genesis(p));
  f.slot({f.order("X"), f.report(nA, {"X"})});
  f.slot({f.report(nA), f.report(nB, {"X"})}, {nA}); // B joins a slot later
  // Height 5: only A proved slot 1 (B's replica is from slot 1): 1000 / 10 = 100 to A.
  f.slot({f.report(nA), f.report(nB)}, {nA, nB});
  CHECK(f.balance(A) == 100);
  CHECK(f.balance(B) == 0);
  // Height 7: both proved slot 2, one is paid: A, the earlier replica. 900 / 9 = 100.
  f.slot({f.report(nA), f.report(nB)}, {nA, nB});
  CHECK(f.balance(A) == 200);
  CHECK(f.balance(B) == 0);
  CHECK(f.file("X")->pool == 800);
  // Both are proven all the same.
  auto both = f.file("X").value();
  for (const auto& r : both.replicas)
    CHECK(r.last_proven_slot == 2);
}

TEST_CASE("a missed report zeroes storage power for missed_report_slots slots", "[market][rules]") {
  market_fixture f;
  f.slot({f.order("X"), f.report(nB, {"X"})});
  f.slot({f.report(nB)}, {nB});
  f.slot({}); // height 5: settles slot 1 (proven, power 5000); B does not report in slot 2
  CHECK(f.power(nB) == 5000);
  CHECK(f.balance(B) == 100); // 1000 / 10
  f.slot({f.report(nB)});     // height 7 settles slot 2: missed, penalty through slot 2 + 2 = 4
  CHECK(f.power(nB) == 0);
  CHECK(f.report_of(nB).penalty_until_slot == 4);
  CHECK(f.file("X")->replicas[0].failures == 1); // a silent slot fails every replica
  CHECK_FALSE(read_challenges(*f.view(), nB.public_key()).value()); // none in slot 3
  f.slot({f.report(nB)}, {nB}); // height 9 settles slot 3: reported, but had nothing to prove
  CHECK(f.power(nB) == 0);
  CHECK(f.balance(B) == 100);
  f.slot({f.report(nB)}, {nB}); // height 11 settles slot 4: proven and paid, still penalized
  CHECK(f.power(nB) == 0);
  CHECK(f.file("X")->replicas[0].failures == 0);
  CHECK(f.balance(B) == 100 + 128); // 900 / ceil((25 − 11) / 2) = 900 / 7 = 128
  f.slot({f.report(nB)}, {nB}); // height 13 settles slot 5: the penalty is over
  CHECK(f.power(nB) == 5000);
}

TEST_CASE("an expired file renews from prepaid, else closes", "[market][rules]") {
  auto p = market_params();
  p.file_duration_blocks = 4;
  p.lost_after_failures = 3;
  SECTION("renewed from prepaid, closed when prepaid runs out") {
    market_fixture f(market_genesis(p));
    f.slot({f.order("X"), f.tx(alice, txs::add_prepaid{"X", 2000}), f.report(nA, {"X"})});
    f.slot({f.report(nA)}, {nA});
    f.slot({f.report(nA)}, {nA}); // height 5: live, expiry 9; pays 1000 / 2 = 500
    CHECK(f.file("X")->expiry_height == 9);
    CHECK(f.balance(A) == 500);
    f.slot({f.report(nA)}, {nA}); // height 7: remaining 1 slot, pays the other 500
    CHECK(f.balance(A) == 1000);
    CHECK(f.file("X")->pool == 0);
    f.slot({f.report(nA)}, {nA}); // height 9: expired; prepaid 2000 ≥ 1600 renews it
    auto x = f.file("X");
    REQUIRE(x);
    CHECK(x->status == file_status::live);
    CHECK(x->expiry_height == 13);
    CHECK(x->prepaid == 400);
    CHECK(x->pool == 108);
    CHECK(x->orders == 2);
    CHECK(f.reserve() == 2120);
    CHECK(f.scheduled(1) == 144);
    f.slot({f.report(nA)}, {nA}); // height 11: pays the renewed pool, 108 / 1
    CHECK(f.balance(A) == 1108);
    f.slot({}); // height 13: expired again, 400 < 1600: closed
    CHECK_FALSE(f.file("X"));
    CHECK(read_node_files(*f.view(), nA.public_key()).value().empty());
    CHECK(f.report_of(nA).files_bytes == 0);
    CHECK(f.reserve() == 2120 + 400);
  }
  SECTION("a closed file's leftover pool goes to the reserve") {
    market_fixture f(market_genesis(p));
    f.slot({f.order("X"), f.tx(alice, txs::add_prepaid{"X", 1000}), f.report(nA, {"X"})});
    f.slot({f.report(nA)}, {nA});
    f.slot({f.report(nA)});       // height 5: live, pays 500; A stops answering
    f.slot({f.report(nA)});       // height 7: failed, no pay
    CHECK(f.file("X")->pool == 500);
    f.slot({});                   // height 9: failed again and expired: closed
    CHECK_FALSE(f.file("X"));
    CHECK(f.reserve() == 1060 + 500 + 1000);
    CHECK(f.report_of(nA).files_bytes == 0);
    CHECK(read_node_files(*f.view(), nA.public_key()).value().empty());
  }
}

TEST_CASE("reserved space is challenged with its labels and counts at its weight", "[market][rules]") {
  auto p = market_params();
  p.challenges_per_slot = 16;
  market_fixture f(market_genesis(p));
  // A reserves 8 KiB with labels for slot 0's beacon; B's labels are for another beacon.
  f.slot({f.order("X"), f.report_reserved(nA, 8192, {"X"}),
          f.report_reserved(nB, 4096, {}, std::string(32, 'w'))});
  CHECK(f.report_of(nA).reserved_beacon == std::string(32, '\0'));
  CHECK(f.report_of(nA).reserved_since_slot == 0);
  f.block({f.report(nA), f.report(nB)}); // height 3: slot 1, challenges include the reservations
  auto q = read_challenges(*f.view(), nA.public_key()).value().value();
  size_t reserved_hits = 0;
  for (const auto& ch : q.challenges)
    reserved_hits += ch.cid.empty();
  REQUIRE(reserved_hits > 0);
  auto o = f.block({*f.proofs_tx(nA), *f.proofs_tx(nB)});
  CHECK(o.receipts[0].ok);
  CHECK_FALSE(o.receipts[1].ok);
  CHECK(reason(o, 1).find("not this node's label chain") != std::string::npos);
  // Height 5 settles slot 1: A proven, power = 5000 + 8192 × 10% = 5819; B failed: 0.
  f.block({});
  CHECK(f.power(nA) == 5819);
  CHECK(f.power(nB) == 0);
}

TEST_CASE("a challenge on a file the node dropped in the slot is waived", "[market][rules]") {
  market_fixture f;
  f.slot({f.order("X"), f.order("Y"), f.report(nA, {"X", "Y"})});
  f.slot({f.report(nA)}, {nA});
  // Slot 2: A deletes Y in its report and answers only the challenges on X.
  f.block({f.report(nA, {}, {"Y"})});
  auto q = read_challenges(*f.view(), nA.public_key()).value().value();
  std::vector<uint64_t> on_x;
  for (uint64_t i = 0; i < q.challenges.size(); ++i)
    if (q.challenges[i].cid == "X")
      on_x.push_back(i);
  // Answering a challenge on Y now fails: it left the node's set (check_tx's dry run says why).
  for (uint64_t y = 0; y < q.challenges.size(); ++y) {
    if (q.challenges[y].cid != "Y")
      continue;
    auto c = check_tx(*f.db, encode(make_tx(nA, f.g.chain_id, f.nonce(nA), 0, txs::storage_proof{2, f.answers(nA, {y})})));
    REQUIRE_FALSE(c);
    CHECK(c.err().message.find("left the node's set") != std::string::npos);
    break;
  }
  if (!on_x.empty())
    f.block({f.tx(nA, txs::storage_proof{2, f.answers(nA, on_x)}, 0)});
  else
    f.block({});
  // Height 7 settles slot 2: proven, with only X's 5000 bytes.
  f.block({});
  CHECK(f.power(nA) == 5000);
  CHECK(f.report_of(nA).last_proven_slot == 2);
  CHECK(f.file("X")->replicas[0].last_proven_slot == 2);
  CHECK(f.file("Y")->replicas.empty());
}
