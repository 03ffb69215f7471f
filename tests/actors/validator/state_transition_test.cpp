// Worked examples of the state transition. Every expected number is computed by hand in the
// comments next to it from the parameters of small_genesis() (unless a test changes them):
//   min_fee 10, era_blocks 4, unbonding_blocks 5, stake_per_gib 1000 (1 GiB of storage power
//   allows 1000 base units of stake), inflation_per_era 1 000 000, author_share 20%,
//   slash 10%, validator_count 2.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "actors/market/market_rules.hpp"
#include "actors/validator/state_transition.hpp"
#include "storage/identity.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using namespace mantle::chain;

namespace {

node_identity key(int i) { return *node_identity::from_seed(std::string(32, static_cast<char>(i))); }

chain_params small_params() {
  chain_params p;
  p.min_fee = 10;
  p.era_blocks = 4;
  p.slot_blocks = 2;
  p.unbonding_blocks = 5;
  p.stake_per_gib = 1000;
  p.inflation_per_era = 1000000;
  p.author_share_ppm = 200000;
  p.slash_ppm = 100000;
  p.validator_count = 2;
  return p;
}

struct chain_fixture {
  test::temp_dir dir{"mantle-state"};
  std::unique_ptr<state_db> db;
  genesis g;
  uint64_t height = 0;
  std::map<std::string, uint64_t> nonces;

  explicit chain_fixture(genesis gen) : g(std::move(gen)) {
    auto d = state_db::open(dir.path, 1ull << 30);
    REQUIRE(d);
    db = std::move(*d);
    auto root = init_genesis(*db, g);
    INFO((root ? "" : root.err().describe()));
    REQUIRE(root);
  }

  std::string tx(const node_identity& who, const tx_body& body, uint64_t fee = 10) {
    uint64_t& n = nonces[who.public_key()];
    return encode(make_tx(who, g.chain_id, n++, fee, body));
  }

  block_outcome block(const std::vector<std::string>& txs, const node_identity& proposer,
                      std::vector<std::string> offenders = {}) {
    block_context ctx{height + 1, 1000 * (height + 1), proposer.public_key(), std::move(offenders)};
    auto out = apply_block(*db, ctx, txs);
    INFO((out ? "" : out.err().describe()));
    REQUIRE(out);
    ++height;
    return *out;
  }

  std::unique_ptr<state_read> view() { return db->begin_read().value(); }
  uint64_t balance(const node_identity& k) { return read_account(*view(), k.public_key())->balance; }
  uint64_t nonce(const node_identity& k) { return read_account(*view(), k.public_key())->nonce; }
  stake stk(const node_identity& k) { return *read_stake(*view(), k.public_key()); }
  era_info era() { return *read_era(*view()); }
  validator_set validators() { return *read_validators(*view()); }
  std::string root() { return db->head()->root; }

  // Σ balances + bonded + unbonding + pot + market holdings must equal the issuance at all times.
  void check_conservation() {
    auto v = view();
    uint64_t sum = 0;
    auto accounts = v->scan(std::string(1, table::account)).value();
    for (const auto& [k, val] : accounts)
      sum += decode_account(val)->balance;
    auto stakes = v->scan(std::string(1, table::stake)).value();
    for (const auto& [k, val] : stakes) {
      auto s = *decode_stake(val);
      sum += s.bonded;
      for (const auto& c : s.unbonding)
        sum += c.amount;
    }
    // The storage market's holdings: pot schedule, reserve, files' pools and prepaid.
    auto scheduled = v->scan(std::string(1, market::table::pot_schedule)).value();
    for (const auto& [k, val] : scheduled)
      sum += *decode_u64(val);
    sum += market::read_reserve(*v).value();
    auto files = v->scan(std::string(1, market::table::file)).value();
    for (const auto& [k, val] : files) {
      auto f = market::decode_file_record(val).value();
      sum += f.pool + f.prepaid;
    }
    auto e = *read_era(*v);
    CHECK(sum + e.pot == e.issuance);
  }
};

// A (owner 1, node 101) and B (owner 2, node 102) validate; alice (3) and bob (4) hold funds.
genesis small_genesis() {
  genesis g;
  g.chain_id = "mantle-test";
  g.params = small_params();
  g.accounts = {{key(3).public_key(), 1000000}, {key(4).public_key(), 5000}};
  g.validators = {{key(1).public_key(), key(101).public_key(), 3000, 10 * gib, 100000},
                  {key(2).public_key(), key(102).public_key(), 1000, 10 * gib, 0}};
  return g;
}

const node_identity A = key(1), B = key(2), alice = key(3), bob = key(4), carol = key(5);
const node_identity nA = key(101), nB = key(102);

} // namespace

TEST_CASE("genesis elects its validators and commits a root", "[chain][state]") {
  chain_fixture f(small_genesis());
  auto h = f.db->head();
  REQUIRE(h);
  CHECK(h->initialized);
  CHECK(h->height == 0);
  CHECK(h->root.size() == 32);
  // Powers are the effective stakes: A 3000 and B 1000, both under their 10 000 limits.
  auto vs = f.validators();
  REQUIRE(vs.size() == 2);
  CHECK(find_validator(vs, nA.public_key())->power == 3000);
  CHECK(find_validator(vs, nB.public_key())->power == 1000);
  CHECK(f.era().issuance == 1000000 + 5000 + 3000 + 1000);
  // A second genesis on the same store is refused.
  CHECK_FALSE(init_genesis(*f.db, f.g));
  f.check_conservation();
}

TEST_CASE("transfers move funds and pay fees into the pot", "[chain][state]") {
  chain_fixture f(small_genesis());
  // alice 1 000 000 → bob 250 000, fee 10: alice 1 000 000 − 250 000 − 10 = 749 990.
  auto o1 = f.block({f.tx(alice, txs::transfer{bob.public_key(), 250000})}, nA);
  REQUIRE(o1.receipts.size() == 1);
  CHECK(o1.receipts[0].ok);
  CHECK(f.balance(alice) == 749990);
  CHECK(f.nonce(alice) == 1);
  CHECK(f.balance(bob) == 255000); // 5 000 + 250 000
  CHECK(f.era().pot == 10);
  // bob → carol 100 (fee 10), then bob → alice 50 (fee 10): bob 255 000 − 110 − 60 = 254 830.
  auto o2 = f.block({f.tx(bob, txs::transfer{carol.public_key(), 100}), f.tx(bob, txs::transfer{alice.public_key(), 50})}, nA);
  CHECK(o2.failed_txs() == 0);
  CHECK(f.balance(bob) == 254830);
  CHECK(f.balance(carol) == 100);
  CHECK(f.balance(alice) == 750040);
  CHECK(f.nonce(bob) == 2);
  CHECK(f.era().pot == 30);
  f.check_conservation();
}

TEST_CASE("bad transactions are rejected with a reason and change nothing", "[chain][state]") {
  chain_fixture f(small_genesis());
  auto before_alice = f.balance(alice);
  auto before_pot = f.era().pot;

  auto good = make_tx(alice, f.g.chain_id, 0, 10, txs::transfer{bob.public_key(), 5});
  auto bad_sig = good;
  bad_sig.signature[0] ^= 1;
  auto other_chain = make_tx(alice, "other-chain", 0, 10, txs::transfer{bob.public_key(), 5});
  auto wrong_nonce = make_tx(alice, f.g.chain_id, 7, 10, txs::transfer{bob.public_key(), 5});
  auto too_much = make_tx(alice, f.g.chain_id, 0, 10, txs::transfer{bob.public_key(), 999991}); // 999 991 + 10 > 1 000 000
  auto low_fee = make_tx(alice, f.g.chain_id, 0, 9, txs::transfer{bob.public_key(), 5});
  auto unknown = make_tx(alice, f.g.chain_id, 0, 10, txs::transfer{bob.public_key(), 5});
  unknown.type = 42;
  unknown.signature = alice.sign(tx_sign_bytes(f.g.chain_id, unknown));
  auto overflow = make_tx(alice, f.g.chain_id, 0, UINT64_MAX / 2 + 1, txs::transfer{bob.public_key(), UINT64_MAX / 2 + 1});
  auto unbond_more = make_tx(alice, f.g.chain_id, 0, 10, txs::unbond{1}); // alice has nothing bonded
  auto wrong_args = make_tx(alice, f.g.chain_id, 0, 10, txs::bond{5});
  wrong_args.args.push_back(tx_arg::of(1));
  wrong_args.signature = alice.sign(tx_sign_bytes(f.g.chain_id, wrong_args));

  std::vector<std::pair<std::string, std::string>> cases = {
    {encode(bad_sig), "bad signature"},
    {encode(other_chain), "bad signature"},
    {encode(wrong_nonce), "wrong nonce 7: the account's next nonce is 0"},
    {encode(too_much), "insufficient funds"},
    {encode(low_fee), "below the minimum"},
    {encode(unknown), "unknown transaction type 42"},
    {encode(overflow), "insufficient funds for the fee"},
    {encode(unbond_more), "unbond: only 0"},
    {encode(wrong_args), "bond: expected 1 arguments"},
    {"\x93\x01\x02", "transaction"},
  };
  std::vector<std::string> bytes;
  for (const auto& c : cases)
    bytes.push_back(c.first);
  auto out = f.block(bytes, nA);
  REQUIRE(out.receipts.size() == cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i << ": " << out.receipts[i].reason);
    CHECK_FALSE(out.receipts[i].ok);
    CHECK(out.receipts[i].reason.find(cases[i].second) != std::string::npos);
  }
  CHECK(f.balance(alice) == before_alice);
  CHECK(f.nonce(alice) == 0);
  CHECK(f.stk(alice).empty());
  CHECK(f.era().pot == before_pot);

  // check_tx gives the mempool the same reasons, and admits future nonces.
  CHECK(check_tx(*f.db, encode(good)));
  auto info = check_tx(*f.db, encode(good));
  CHECK(info->sender == alice.public_key());
  CHECK(info->hash == tx_hash(encode(good)));
  CHECK(check_tx(*f.db, encode(wrong_nonce))); // nonce 7 ≥ 0: may wait in the mempool
  auto ov = check_tx(*f.db, encode(overflow));
  REQUIRE_FALSE(ov);
  CHECK(ov.err().message.find("overflow") != std::string::npos);
  CHECK(check_tx(*f.db, encode(too_much)).err().message.find("insufficient funds") != std::string::npos);
  CHECK(check_tx(*f.db, encode(bad_sig)).err().message.find("bad signature") != std::string::npos);
  CHECK(check_tx(*f.db, encode(unknown)).err().message.find("unknown transaction type") != std::string::npos);
  // The sender's next tx is dry-run: one whose body would fail never enters the mempool; the
  // same body with a later nonce cannot be judged yet and is admitted.
  auto dry = check_tx(*f.db, encode(unbond_more));
  REQUIRE_FALSE(dry);
  CHECK(dry.err().message == "would fail: unbond: only 0 base units are bonded and not lent to guarantees (unguarantee first)");
  CHECK(check_tx(*f.db, encode(make_tx(alice, f.g.chain_id, 1, 10, txs::unbond{1}))));
  CHECK(check_tx(**f.db->begin_read(), encode(unbond_more), 0)); // no dry run asked
  f.block({encode(good)}, nA);
  auto used = check_tx(*f.db, encode(good));
  REQUIRE_FALSE(used);
  CHECK(used.err().message.find("already used") != std::string::npos);
  f.check_conservation();
}

TEST_CASE("bond, unbond and withdraw follow the unbonding period", "[chain][state]") {
  chain_fixture f(small_genesis());
  // h1: alice bonds 5 000: balance 1 000 000 − 5 000 − 10 = 994 990.
  f.block({f.tx(alice, txs::bond{5000})}, nA);
  CHECK(f.balance(alice) == 994990);
  CHECK(f.stk(alice).bonded == 5000);
  // h2: unbond 2 000 → chunk released at 2 + 5 = 7; unbond 3 001 of the remaining 3 000 fails.
  auto o2 = f.block({f.tx(alice, txs::unbond{2000}), encode(make_tx(alice, f.g.chain_id, 2, 10, txs::unbond{3001}))}, nA);
  CHECK(o2.receipts[0].ok);
  CHECK_FALSE(o2.receipts[1].ok);
  auto s = f.stk(alice);
  CHECK(s.bonded == 3000);
  REQUIRE(s.unbonding.size() == 1);
  CHECK(s.unbonding[0] == unbonding_chunk{2000, 7});
  // h3: too early.
  auto o3 = f.block({f.tx(alice, txs::withdraw_unbonded{})}, nA);
  CHECK_FALSE(o3.receipts[0].ok);
  CHECK(o3.receipts[0].reason.find("next release at height 7") != std::string::npos);
  f.nonces[alice.public_key()]--; // the failed tx did not use its nonce
  f.block({}, nA); // h4
  f.block({}, nA); // h5
  f.block({}, nA); // h6
  CHECK(f.balance(alice) == 994990 - 10); // only h2's successful unbond fee since h1
  // h7: released. Balance 994 980 + 2 000 − 10 = 996 970.
  auto o7 = f.block({f.tx(alice, txs::withdraw_unbonded{})}, nA);
  CHECK(o7.receipts[0].ok);
  CHECK(f.balance(alice) == 996970);
  CHECK(f.stk(alice).unbonding.empty());
  CHECK(f.stk(alice).bonded == 3000);
  f.check_conservation();
}

TEST_CASE("guarantees: target limit, free bonded funds, and the stake limit caps effective stake", "[chain][state]") {
  auto g = small_genesis();
  g.params.max_guarantee_targets = 2;
  // C (owner 6, node 106): bonded 1 000 with 3 GiB of storage power: limit 3 × 1 000 = 3 000.
  g.validators.push_back({key(6).public_key(), key(106).public_key(), 1000, 3 * gib, 0});
  g.params.validator_count = 3;
  chain_fixture f(g);
  const auto C = key(6);
  // alice bonds 10 000 and guarantees C with 3 000; bob bonds 2 500 and guarantees C with 2 000.
  f.block({f.tx(alice, txs::bond{10000}), f.tx(alice, txs::guarantee{C.public_key(), 3000}),
           f.tx(bob, txs::bond{2500}), f.tx(bob, txs::guarantee{C.public_key(), 2000})},
          nA);
  // T = 1 000 + 3 000 + 2 000 = 6 000 > limit 3 000: every stake counts ×3000/6000 = ½:
  // own 500, alice 1 500, bob 1 000; total 3 000.
  auto cands = read_candidates(*f.view()).value();
  REQUIRE(cands.size() == 3);
  const candidate_status* c = nullptr;
  for (const auto& x : cands)
    if (x.owner == C.public_key())
      c = &x;
  REQUIRE(c);
  CHECK(c->own == 1000);
  CHECK(c->guaranteed == 5000);
  CHECK(c->stake_limit == 3000);
  CHECK(c->effective == 3000);
  // Order: A 3 000 and C 3 000 tie (lower owner key first), then B 1 000.
  CHECK(cands[2].owner == B.public_key());
  CHECK(std::min(cands[0].owner, cands[1].owner) == cands[0].owner);

  // alice: guarantees A (2nd target) fine, B (3rd) over the limit of 2, more than her free
  // bonded (10 000 − 3 000 − 1 000 = 6 000) refused, herself and non-candidates refused.
  auto o = f.block({f.tx(alice, txs::guarantee{A.public_key(), 1000}),
                    encode(make_tx(alice, f.g.chain_id, 3, 10, txs::guarantee{B.public_key(), 1})),
                    encode(make_tx(alice, f.g.chain_id, 3, 10, txs::guarantee{A.public_key(), 6001})),
                    encode(make_tx(alice, f.g.chain_id, 3, 10, txs::guarantee{alice.public_key(), 1})),
                    encode(make_tx(alice, f.g.chain_id, 3, 10, txs::guarantee{carol.public_key(), 1}))},
                   nA);
  CHECK(o.receipts[0].ok);
  CHECK(o.receipts[1].reason.find("already guaranteeing 2 targets") != std::string::npos);
  CHECK(o.receipts[2].reason.find("only 6000 bonded base units are free") != std::string::npos);
  CHECK(o.receipts[3].reason.find("cannot guarantee itself") != std::string::npos);
  CHECK(o.receipts[4].reason.find("is not a candidate") != std::string::npos);
  // Lent funds cannot be unbonded: alice's own part is 6 000.
  auto o2 = f.block({encode(make_tx(alice, f.g.chain_id, 3, 10, txs::unbond{6001})),
                     encode(make_tx(alice, f.g.chain_id, 3, 10, txs::unguarantee{C.public_key()}))},
                    nA);
  CHECK_FALSE(o2.receipts[0].ok);
  CHECK(o2.receipts[1].ok);
  CHECK(f.stk(alice).own() == 9000); // 10 000 − 1 000 on A
  // Without alice: T = 1 000 + 2 000 = 3 000 ≤ 3 000: no cap, effective 3 000 = 1 000 + 2 000.
  auto exp_now = read_candidates(*f.view()).value();
  for (const auto& x : exp_now)
    if (x.owner == C.public_key())
      CHECK(x.effective == 3000);
  f.check_conservation();
}

TEST_CASE("an election among 5 candidates for 3 seats", "[chain][state]") {
  genesis g;
  g.chain_id = "mantle-test";
  g.params = small_params();
  g.params.validator_count = 3;
  // Effective stakes (limit = power in GiB × 1 000):
  //   P: bonded 5 000, 10 GiB → 5 000        Q: bonded 8 000, 2 GiB → capped at 2 000
  //   R: bonded 2 000, 10 GiB → 2 000        S: bonded 2 000, 10 GiB → 2 000
  //   T: bonded 1 000, 10 GiB → 1 000
  // P first; Q, R, S tie at 2 000 for two seats: the two with the lower owner keys win.
  std::vector<node_identity> owners = {key(11), key(12), key(13), key(14), key(15)};
  std::vector<node_identity> nodes = {key(21), key(22), key(23), key(24), key(25)};
  uint64_t bonded[] = {5000, 8000, 2000, 2000, 1000};
  uint64_t power[] = {10, 2, 10, 10, 10};
  for (int i = 0; i < 5; ++i)
    g.validators.push_back({owners[i].public_key(), nodes[i].public_key(), bonded[i], power[i] * gib, 0});
  g.accounts = {{alice.public_key(), 100000}};
  chain_fixture f(g);

  std::vector<std::pair<std::string, std::string>> tied; // (owner, node) of Q, R, S
  for (int i = 1; i <= 3; ++i)
    tied.emplace_back(owners[i].public_key(), nodes[i].public_key());
  std::sort(tied.begin(), tied.end());
  auto vs = f.validators();
  REQUIRE(vs.size() == 3);
  CHECK(find_validator(vs, nodes[0].public_key())->power == 5000);
  CHECK(find_validator(vs, tied[0].second)->power == 2000);
  CHECK(find_validator(vs, tied[1].second)->power == 2000);
  CHECK_FALSE(find_validator(vs, tied[2].second));
  CHECK_FALSE(find_validator(vs, nodes[4].public_key()));

  // During era 0 alice guarantees T with 1 500: T = 2 500. The set does not change before the
  // boundary (height 4); from height 5 on it is P 5 000, T 2 500 and the lowest-key tied one.
  auto o1 = f.block({f.tx(alice, txs::bond{1500}), f.tx(alice, txs::guarantee{owners[4].public_key(), 1500})}, nodes[0]);
  CHECK(o1.failed_txs() == 0);
  CHECK_FALSE(o1.validators_changed);
  f.block({}, nodes[0]);
  f.block({}, nodes[0]);
  auto o4 = f.block({}, nodes[0]);
  CHECK(o4.validators_changed);
  bool era_event = false, set_event = false;
  for (const auto& e : o4.events) {
    era_event |= e.kind == event_kind::era_change;
    set_event |= e.kind == event_kind::validator_set_change;
  }
  CHECK(era_event);
  CHECK(set_event);
  auto next = o4.next_validators;
  REQUIRE(next.size() == 3);
  CHECK(find_validator(next, nodes[0].public_key())->power == 5000);
  CHECK(find_validator(next, nodes[4].public_key())->power == 2500);
  CHECK(find_validator(next, tied[0].second)->power == 2000);
  CHECK_FALSE(find_validator(next, tied[1].second));
  CHECK(f.era().index == 1);
  CHECK(f.era().start_height == 5);
  auto e = *read_exposure(*f.view(), owners[4].public_key());
  REQUIRE(e);
  CHECK(e->own == 1000);
  REQUIRE(e->guarantors.size() == 1);
  CHECK(e->guarantors[0] == std::make_pair(alice.public_key(), uint64_t{1500}));
  f.check_conservation();
}

namespace {

// Era 0 of the reward examples: bob bonds 2 000 and guarantees A with it (fees 2 × 10);
// blocks by A, A, B, A. Returns the fixture at height 4.
void run_era0(chain_fixture& f) {
  f.block({f.tx(bob, txs::bond{2000}), f.tx(bob, txs::guarantee{A.public_key(), 2000})}, nA);
  f.block({}, nA);
  f.block({}, nB);
  f.block({}, nA);
}

} // namespace

TEST_CASE("era rewards: author share, commission and guarantors to the base unit", "[chain][state]") {
  auto g = small_genesis();
  g.accounts = {{bob.public_key(), 10000}};
  chain_fixture f(g);
  run_era0(f);
  // Era 0 (exposures from genesis: A own 3 000, B own 1 000; bob's guarantee came later):
  //   R = pot 20 + inflation 1 000 000 = 1 000 020
  //   authors 20% = 200 004: A 3 of 4 blocks → 150 003, B 1 of 4 → 50 001
  //   stake part 800 016 by effective stake 3 000 : 1 000
  //     A: 800 016 × 3/4 = 600 012; commission 10% = 60 001; rest 540 011 all own → 600 012
  //     B: 800 016 × 1/4 = 200 004 (no commission) → 200 004
  //   paid 150 003 + 50 001 + 600 012 + 200 004 = 1 000 020, pot 0
  CHECK(f.balance(A) == 750015); // 150 003 + 600 012
  CHECK(f.balance(B) == 250005); // 50 001 + 200 004
  CHECK(f.balance(bob) == 7980); // 10 000 − 2 000 − 20
  CHECK(f.era().pot == 0);
  CHECK(f.era().last_reward == 1000020);
  // New exposure of A: own 3 000 + bob 2 000 = 5 000.
  CHECK(find_validator(f.validators(), nA.public_key())->power == 5000);

  // Era 1: blocks by A, B, B, B, no txs.
  f.block({}, nA);
  f.block({}, nB);
  f.block({}, nB);
  f.block({}, nB);
  //   R = 0 + 1 000 000; authors 200 000: A 1/4 → 50 000, B 3/4 → 150 000
  //   stake part 800 000 by 5 000 : 1 000 (total 6 000)
  //     A: 800 000 × 5 000 / 6 000 = 666 666; commission 66 666; rest 600 000
  //        own 600 000 × 3 000 / 5 000 = 360 000, bob 600 000 × 2 000 / 5 000 = 240 000
  //     B: 800 000 × 1 000 / 6 000 = 133 333
  //   paid 50 000 + 150 000 + 66 666 + 360 000 + 240 000 + 133 333 = 999 999; 1 stays in the pot
  CHECK(f.balance(A) == 750015 + 50000 + 66666 + 360000); // 1 226 681
  CHECK(f.balance(B) == 250005 + 150000 + 133333);        // 533 338
  CHECK(f.balance(bob) == 7980 + 240000);                 // 247 980
  CHECK(f.era().pot == 1);
  CHECK(f.era().issuance == 14000 + 2000000);
  f.check_conservation();
}

TEST_CASE("slashing a double signer and its guarantors, then removal at the next era", "[chain][state]") {
  auto g = small_genesis();
  g.accounts = {{bob.public_key(), 10000}};
  chain_fixture f(g);
  run_era0(f);
  // h5: evidence against A's node. 10% of A's own 3 000 = 300, of bob's 2 000 on A = 200:
  // 500 into the pot. A stops being a candidate.
  auto o5 = f.block({}, nB, {nA.public_key(), nA.public_key()});
  REQUIRE(o5.events.size() == 1);
  CHECK(o5.events[0].kind == event_kind::slash);
  CHECK(o5.events[0].amount == 500);
  CHECK(o5.events[0].subject == A.public_key());
  CHECK(f.stk(A).bonded == 2700);
  CHECK(f.stk(bob).bonded == 1800);
  CHECK(f.stk(bob).guarantees.at(0).amount == 1800);
  CHECK(f.era().pot == 500);
  CHECK_FALSE(*read_candidate(*f.view(), A.public_key()));
  // Still in the set until the era ends.
  CHECK(find_validator(f.validators(), nA.public_key()));
  // A second piece of evidence in the same era slashes nothing more; A cannot re-validate.
  auto o6 = f.block({f.tx(A, txs::validate{0, nA.public_key()})}, nB, {nA.public_key()});
  CHECK(o6.events.empty());
  CHECK_FALSE(o6.receipts[0].ok);
  CHECK(o6.receipts[0].reason.find("slashed in this era") != std::string::npos);
  f.nonces[A.public_key()]--;
  CHECK(f.stk(A).bonded == 2700);
  f.block({}, nA); // h7: A still proposes but earns nothing this era
  auto o8 = f.block({}, nB);
  // Era 1 reward without A: R = 500 + 1 000 000 = 1 000 500; authors 200 100 all to B (its 3
  // blocks are the only ones counted); stake part 800 400 all to B's exposure.
  CHECK(f.balance(B) == 250005 + 200100 + 800400);
  CHECK(f.balance(A) == 750015);
  CHECK(f.era().pot == 0);
  // From h9 on only B validates.
  REQUIRE(o8.next_validators.size() == 1);
  CHECK(o8.next_validators[0].key == nB.public_key());
  f.check_conservation();
  // In the new era A may validate again (and would be elected at the next boundary).
  auto o9 = f.block({f.tx(A, txs::validate{0, nA.public_key()})}, nB);
  CHECK(o9.receipts[0].ok);
}

TEST_CASE("register_node, validate and chill", "[chain][state]") {
  chain_fixture f(small_genesis());
  const auto node = key(120);
  auto sig = node.sign(register_node_sign_bytes(f.g.chain_id, alice.public_key()));
  auto wrong = node.sign(register_node_sign_bytes(f.g.chain_id, bob.public_key()));
  auto o = f.block({encode(make_tx(alice, f.g.chain_id, 0, 10, txs::register_node{node.public_key(), wrong})),
                    f.tx(alice, txs::validate{50000, node.public_key()}), // not registered yet
                    encode(make_tx(alice, f.g.chain_id, 0, 10, txs::register_node{node.public_key(), sig})),
                    encode(make_tx(bob, f.g.chain_id, 0, 10, txs::register_node{node.public_key(),
                                                                               node.sign(register_node_sign_bytes(f.g.chain_id, bob.public_key()))})),
                    encode(make_tx(alice, f.g.chain_id, 1, 10, txs::validate{50000, node.public_key()}))},
                   nA);
  CHECK(o.receipts[0].reason.find("signature") != std::string::npos);
  CHECK(o.receipts[1].reason.find("not registered to the sender") != std::string::npos);
  CHECK(o.receipts[2].ok);
  CHECK(o.receipts[3].reason.find("already registered") != std::string::npos);
  CHECK(o.receipts[4].ok);
  auto c = *read_candidate(*f.view(), alice.public_key());
  REQUIRE(c);
  CHECK(c->node_key == node.public_key());
  CHECK(c->commission_ppm == 50000);
  // No storage power yet: a candidate with no effective stake.
  auto cands = read_candidates(*f.view()).value();
  for (const auto& x : cands)
    if (x.owner == alice.public_key())
      CHECK(x.effective == 0);
  // Issue #6's setter: 2 GiB on the node gives alice a 2 000 limit (checked in a write that is
  // then dropped).
  {
    auto w = f.db->begin_write();
    REQUIRE(w);
    REQUIRE(set_storage_power(**w, node.public_key(), 2 * gib));
    CHECK(*read_owner_power(**w, alice.public_key()) == 2 * gib);
    CHECK(set_storage_power(**w, key(121).public_key(), 1).err().message.find("not registered") != std::string::npos);
  }
  CHECK(*read_owner_power(*f.view(), alice.public_key()) == 0);
  auto o2 = f.block({encode(make_tx(alice, f.g.chain_id, 2, 10, txs::chill{})),
                     encode(make_tx(alice, f.g.chain_id, 3, 10, txs::chill{}))},
                    nA);
  CHECK(o2.receipts[0].ok);
  CHECK(o2.receipts[1].reason.find("not a candidate") != std::string::npos);
  CHECK_FALSE(*read_candidate(*f.view(), alice.public_key()));
}

namespace {

std::vector<std::vector<std::string>> scripted_blocks(const std::string& chain_id) {
  std::vector<std::vector<std::string>> blocks(9);
  blocks[0] = {encode(make_tx(alice, chain_id, 0, 10, txs::transfer{bob.public_key(), 1234})),
               encode(make_tx(alice, chain_id, 1, 10, txs::bond{50000}))};
  blocks[1] = {encode(make_tx(alice, chain_id, 2, 10, txs::guarantee{B.public_key(), 40000})),
               encode(make_tx(bob, chain_id, 0, 10, txs::bond{100}))};
  blocks[2] = {encode(make_tx(alice, chain_id, 3, 10, txs::unbond{5000}))};
  blocks[5] = {encode(make_tx(bob, chain_id, 1, 10, txs::transfer{carol.public_key(), 77}))};
  return blocks;
}

std::vector<std::string> run_script(chain_fixture& f) {
  std::vector<std::string> roots{f.root()};
  auto script = scripted_blocks(f.g.chain_id);
  for (size_t i = 0; i < script.size(); ++i) {
    f.block(script[i], i % 3 == 0 ? nB : nA, i == 6 ? std::vector<std::string>{nB.public_key()} : std::vector<std::string>{});
    roots.push_back(f.root());
  }
  return roots;
}

} // namespace

TEST_CASE("determinism: the same blocks on two fresh states give the same roots", "[chain][state]") {
  chain_fixture f1(small_genesis());
  chain_fixture f2(small_genesis());
  auto r1 = run_script(f1);
  auto r2 = run_script(f2);
  CHECK(r1 == r2);
  std::set<std::string> distinct(r1.begin(), r1.end());
  CHECK(distinct.size() == r1.size()); // every block moves the root
  CHECK(f1.validators() == f2.validators());
  f1.check_conservation();

  // A different genesis (one more base unit for bob) gives different roots from the start.
  auto g3 = small_genesis();
  g3.accounts[1].balance += 1;
  chain_fixture f3(g3);
  CHECK(f3.root() != r1[0]);
}

TEST_CASE("an aborted or crashed block leaves nothing; executing then committing matches", "[chain][state]") {
  test::temp_dir dir{"mantle-state-crash"};
  std::string dry_root;
  {
    auto db = state_db::open(dir.path, 1ull << 30).value();
    REQUIRE(init_genesis(*db, small_genesis()));
    auto head0 = *db->head();
    auto tx = encode(make_tx(alice, "mantle-test", 0, 10, txs::transfer{bob.public_key(), 500}));
    block_context ctx{1, 1000, nA.public_key(), {}};
    {
      auto ex = execute_block(*db, ctx, {tx});
      REQUIRE(ex);
      CHECK((*ex)->outcome().receipts.at(0).ok);
      dry_root = (*ex)->outcome().state_root;
      (*ex)->abort();
    }
    CHECK(db->head()->root == head0.root);
    CHECK(db->head()->height == 0);
    CHECK(read_account(**db->begin_read(), bob.public_key())->balance == 5000);
    // Height must follow the head.
    CHECK_FALSE(execute_block(*db, block_context{2, 1000, nA.public_key(), {}}, {}));
    // "Crash": an execution dropped without commit, then the environment closes.
    auto ex = execute_block(*db, ctx, {tx});
    REQUIRE(ex);
  }
  {
    auto db = state_db::open(dir.path, 1ull << 30).value();
    CHECK(db->head()->height == 0);
    CHECK(read_account(**db->begin_read(), bob.public_key())->balance == 5000);
    auto tx = encode(make_tx(alice, "mantle-test", 0, 10, txs::transfer{bob.public_key(), 500}));
    auto out = apply_block(*db, block_context{1, 1000, nA.public_key(), {}}, {tx});
    REQUIRE(out);
    CHECK(out->state_root == dry_root);
  }
  {
    // Committed data survives reopening.
    auto db = state_db::open(dir.path, 1ull << 30).value();
    CHECK(db->head()->height == 1);
    CHECK(db->head()->root == dry_root);
    CHECK(read_account(**db->begin_read(), bob.public_key())->balance == 5500);
  }
}

TEST_CASE("dev genesis: one validator elected, blocks apply", "[chain][state]") {
  auto node = key(200), owner = key(201);
  chain_fixture f(dev_genesis(node.public_key(), owner.public_key(), 1767225600000));
  auto vs = f.validators();
  REQUIRE(vs.size() == 1);
  CHECK(vs[0].key == node.public_key());
  CHECK(vs[0].power == 10000 * base_units_per_token);
  auto out = f.block({f.tx(owner, txs::transfer{alice.public_key(), base_units_per_token}, 1000)}, node);
  CHECK(out.receipts.at(0).ok);
  for (int i = 0; i < 59; ++i)
    f.block({}, node);
  CHECK(f.era().index == 1); // era 60 blocks
  CHECK(f.validators() == vs);
  f.check_conservation();
}

TEST_CASE("the example genesis initialises a state with its four validators", "[chain][state]") {
  auto g = load_genesis(std::string(MANTLE_SOURCE_DIR) + "/config/genesis.example.json");
  REQUIRE(g);
  chain_fixture f(*g);
  auto vs = f.validators();
  REQUIRE(vs.size() == 4);
  for (const auto& v : vs)
    CHECK(v.power == 10000 * base_units_per_token); // bonded 10 000 tokens, far below the limit
  CHECK(*read_chain_id(*f.view()) == "mantle-testnet-1");
  CHECK(*read_params(*f.view()) == g->params);
}

TEST_CASE("an overflow inside a tx fails it and changes nothing", "[chain][state]") {
  auto g = small_genesis();
  g.params.unbonding_blocks = UINT64_MAX - 1; // release height = height + this overflows from height 2 on
  chain_fixture f(g);
  f.block({f.tx(alice, txs::bond{100})}, nA);
  auto before = f.stk(alice);
  auto o = f.block({f.tx(alice, txs::unbond{50})}, nA);
  CHECK_FALSE(o.receipts[0].ok);
  CHECK(o.receipts[0].reason == "overflow: release height would exceed 2^64-1");
  CHECK(f.stk(alice).bonded == before.bonded);
  CHECK(f.stk(alice).unbonding.empty());
  CHECK(f.nonce(alice) == 1); // the failed tx did not use its nonce
  CHECK(f.balance(alice) == 1000000 - 100 - 10);
}

TEST_CASE("txs the host already verified skip the signature check, others do not", "[chain][state]") {
  chain_fixture f(small_genesis());
  auto good = f.tx(alice, txs::transfer{bob.public_key(), 1});
  auto forged = make_tx(alice, f.g.chain_id, 1, 10, txs::transfer{bob.public_key(), 2});
  forged.signature[5] ^= 1;
  std::set<std::string> asked;
  auto out = apply_block(*f.db, block_context{1, 1, nA.public_key(), {}}, {good, encode(forged)},
                         [&](std::string_view h) {
                           asked.insert(std::string(h));
                           return h == tx_hash(good); // only the mempool's tx is known
                         });
  REQUIRE(out);
  CHECK(asked.size() == 2);
  CHECK(out->receipts[0].ok);
  CHECK(out->receipts[1].reason.find("bad signature") != std::string::npos);
}

TEST_CASE("slashing also cuts the offender's funds still unbonding", "[chain][state]") {
  chain_fixture f(small_genesis());
  // h1: A has no free balance for fees: alice sends it 100.
  f.block({f.tx(alice, txs::transfer{A.public_key(), 100})}, nA);
  f.block({f.tx(A, txs::unbond{1000})}, nA); // h2: A unbonds 1 000 of its 3 000, released at 2 + 5 = 7
  // h3: evidence. Own bonded 2 000 → cut 200; unbonding 1 000 → cut 100; total 300.
  auto o = f.block({}, nB, {nA.public_key()});
  REQUIRE(o.events.size() == 1);
  CHECK(o.events[0].amount == 300);
  auto s = f.stk(A);
  CHECK(s.bonded == 1800);
  REQUIRE(s.unbonding.size() == 1);
  CHECK(s.unbonding[0] == unbonding_chunk{900, 7});
  CHECK(f.era().pot == 10 + 10 + 300);
  f.check_conservation();
}

TEST_CASE("random blocks keep supply conserved and two states identical", "[chain][state]") {
  // A fixed-seed mix of every tx type (many of them failing) over 3 eras, with evidence now
  // and then: both states agree on every root, and no base unit appears or vanishes beyond the
  // era inflation.
  auto g = small_genesis();
  g.params.validator_count = 3;
  std::vector<node_identity> people;
  for (int i = 0; i < 6; ++i) {
    people.push_back(key(40 + i));
    g.accounts.push_back({people.back().public_key(), 100000});
  }
  chain_fixture f1(g), f2(g);
  uint64_t rng = 12345;
  auto next = [&](uint64_t n) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (rng >> 33) % n;
  };
  std::map<std::string, uint64_t> nonce;
  size_t ok = 0, failed = 0;
  const std::vector<std::string> targets = {A.public_key(), B.public_key(), people[0].public_key()};
  for (int h = 1; h <= 12; ++h) {
    std::vector<std::string> block;
    for (const auto& who : people) { // one tx per sender and block: a failure cannot cascade
      uint64_t amount = 1 + next(3000);
      tx_body body;
      switch (next(7)) {
      case 0: body = txs::transfer{people[next(people.size())].public_key(), amount}; break;
      case 1: body = txs::bond{amount}; break;
      case 2: body = txs::unbond{amount}; break;
      case 3: body = txs::withdraw_unbonded{}; break;
      case 4: body = txs::guarantee{targets[next(targets.size())], amount}; break;
      case 5: body = txs::unguarantee{targets[next(targets.size())]}; break;
      default: body = txs::transfer{who.public_key(), UINT64_MAX}; break; // always fails
      }
      // Mostly the right nonce, sometimes a stale one.
      uint64_t n = nonce[who.public_key()];
      block.push_back(encode(make_tx(who, g.chain_id, next(8) == 0 && n > 0 ? n - 1 : n, 10, body)));
    }
    std::vector<std::string> offenders;
    if (h == 6)
      offenders.push_back(nB.public_key());
    const auto& proposer = h % 2 ? nA : nB;
    block_context ctx{static_cast<uint64_t>(h), static_cast<uint64_t>(h), proposer.public_key(), offenders};
    auto o1 = apply_block(*f1.db, ctx, block);
    auto o2 = apply_block(*f2.db, ctx, block);
    REQUIRE(o1);
    REQUIRE(o2);
    CHECK(o1->state_root == o2->state_root);
    CHECK(o1->next_validators == o2->next_validators);
    failed += o1->failed_txs();
    ok += o1->receipts.size() - o1->failed_txs();
    // Re-sync local nonces with what really executed.
    for (const auto& p : people)
      nonce[p.public_key()] = read_account(*f1.view(), p.public_key())->nonce;
    f1.check_conservation();
  }
  INFO("ok " << ok << ", failed " << failed);
  CHECK(ok >= 30); // the mix really exercises the successful paths too
  CHECK(failed >= 10);
  CHECK(f1.era().index == 3);
  CHECK(f1.era().issuance == 1000000 + 5000 + 600000 + 3000 + 1000 + 3 * 1000000);
}

TEST_CASE("nodes that never send a work report keep their genesis storage power", "[chain][state][market]") {
  // slot_blocks 2: slot boundaries at heights 3, 5, 7, ... record the slot and its hash (the
  // block's prev_hash; an empty one reads as 32 zero bytes) but settle only reporting nodes.
  chain_fixture f(small_genesis());
  auto a_power = read_node(*f.view(), nA.public_key())->value().storage_power;
  for (int i = 0; i < 9; ++i)
    f.block({}, nA);
  CHECK(read_node(*f.view(), nA.public_key())->value().storage_power == a_power);
  CHECK(read_node(*f.view(), nB.public_key())->value().storage_power == 10 * gib);
  CHECK(*read_owner_power(*f.view(), A.public_key()) == 10 * gib);
  auto slot = market::read_slot(*f.view());
  REQUIRE(slot);
  CHECK(slot->slot == 4); // height 9 opened slot 4
  CHECK(slot->slot_hash == std::string(32, '\0'));
  f.check_conservation();
  // With a prev_hash the next boundary (height 11) records it.
  block_context ctx{10, 10000, nA.public_key(), {}, std::string(32, 'p')};
  REQUIRE(apply_block(*f.db, ctx, {}));
  ctx = block_context{11, 11000, nA.public_key(), {}, std::string(32, 'q')};
  REQUIRE(apply_block(*f.db, ctx, {}));
  CHECK(market::read_slot(*f.view())->slot_hash == std::string(32, 'q'));
}
