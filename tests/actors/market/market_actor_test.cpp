// The market actor with real components: node A holds files in its block store; node B runs a
// one-validator dev chain, its own block store and exchange (connected to A's) and the market.
// Orders are placed on B's chain; B's market must take the good one (fetched from A, pinned,
// verified, handed to the prover) and abandon the bad ones with a reason a person can act on
// (size under-declared, wrong proof root, content nowhere in the cluster), unpinning what it
// pinned but never a pin somebody else made, and never retrying them.
//
// The prover is a recorder standing in for the "prover" actor (it only receives messages here).
#include <catch2/catch.hpp>

#include <caf/all.hpp>

#include <nlohmann/json.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "actors/market/market_actor.hpp"
#include "actors/plugin_host/plugin_host_actor.hpp"
#include "messages/plugin.hpp"
#include "actors/prover/file_proof.hpp"
#include "actors/validator/state_tables.hpp"
#include "actors/validator/tx.hpp"
#include "actors/validator/validator_actor.hpp"
#include "messages/validator.hpp"
#include "storage/keystore.hpp"
#include "messages/market.hpp"
#include "storage/identity.hpp"
#include "storage/memory_block_store.hpp"
#include "tests/actors/actor_test_support.hpp"
#include "tests/actors/exchange/exchange_fixture.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using namespace std::chrono_literals;

namespace {

struct prover_log {
  std::mutex mu;
  std::vector<std::pair<std::string, uint64_t>> added;
  std::vector<std::string> dropped;
  size_t adds() {
    std::lock_guard<std::mutex> g(mu);
    return added.size();
  }
};

caf::behavior prover_recorder(caf::event_based_actor*, std::shared_ptr<prover_log> log) {
  return {
    [=](prover_add_atom, const std::string& c, uint64_t size) {
      std::lock_guard<std::mutex> g(log->mu);
      log->added.emplace_back(c, size);
      return caf::ok_atom::value;
    },
    [=](prover_drop_atom, const std::string& c) {
      std::lock_guard<std::mutex> g(log->mu);
      log->dropped.push_back(c);
      return caf::ok_atom::value;
    },
  };
}

nlohmann::json status_of(caf::actor_system& sys, const caf::actor& market) {
  caf::scoped_actor self{sys};
  nlohmann::json out;
  self->request(market, 10s, market_status_atom::value)
    .receive([&](std::string& s) { out = nlohmann::json::parse(s); },
             [&](caf::error& e) { FAIL("market status: " << from_caf(e).message); });
  return out;
}

// place_order signed with the dev chain's funded account (the keystore the validator created)
// and submitted as raw bytes, as any client outside the validator would.
std::string place_order(caf::actor_system& sys, const caf::actor& validator, const std::string& keystore_path,
                        const cid& c, uint64_t size, const std::string& root) {
  caf::scoped_actor self{sys};
  std::string chain_id;
  uint64_t nonce = 0, min_fee = 0;
  // Answered once the validator started, so its keystore exists by then.
  self->request(validator, 10s, chain_head_atom::value)
    .receive([&](std::string& j) { chain_id = nlohmann::json::parse(j)["chain_id"]; },
             [&](caf::error& e) { FAIL("head: " << from_caf(e).message); });
  auto ks = keystore::open(keystore_path);
  REQUIRE(ks);
  REQUIRE_FALSE(ks->accounts().empty());
  const auto& key = ks->accounts().front().key;
  self->request(validator, 10s, chain_nonce_atom::value, key.public_key())
    .receive([&](uint64_t n) { nonce = n; }, [&](caf::error& e) { FAIL("nonce: " << from_caf(e).message); });
  self->request(validator, 10s, chain_read_atom::value, std::vector<std::string>{std::string(1, chain::table::params)})
    .receive(
      [&](chain_read_reply& r) {
        REQUIRE(r.values.size() == 1);
        auto p = chain::decode_params(r.values[0]);
        REQUIRE(p);
        min_fee = p->min_fee;
      },
      [&](caf::error& e) { FAIL("params: " << from_caf(e).message); });
  auto tx = chain::make_tx(key, chain_id, nonce, min_fee, chain::txs::place_order{c.bytes(), size, root, 0});
  std::string hash;
  self->request(validator, 10s, chain_submit_atom::value, chain::encode(tx))
    .receive([&](std::string& h) { hash = h; },
             [&](caf::error& e) { FAIL("order of " << c.str() << " refused: " << from_caf(e).message); });
  return hash;
}

std::string root_of(block_source& src, const cid& c) {
  auto r = proof::compute_file_root(src, c);
  REQUIRE(r);
  return std::string(r->root.begin(), r->root.end());
}

const nlohmann::json* find_cid(const nlohmann::json& list, const cid& c) {
  for (const auto& e : list)
    if (e["cid"] == c.str())
      return &e;
  return nullptr;
}

std::optional<pin_info> pin_of(block_store& store, const cid& c) {
  auto pins = store.pins(pin_type::recursive, {c});
  REQUIRE(pins);
  for (auto& p : *pins)
    if (p.id == c)
      return p;
  return std::nullopt;
}

// Stops the actors it holds when the test ends, failed or not (the actor system waits for them).
struct stopper {
  caf::actor_system& sys;
  std::vector<caf::actor> actors; // stopped last first
  ~stopper() {
    caf::scoped_actor self{sys};
    for (auto it = actors.rbegin(); it != actors.rend(); ++it)
      test::stop(self, *it);
  }
};

// A one-validator chain and a recording prover for a market to work against. `cleanup` stops
// them, and whatever a test adds to it, when the test ends; before the chain's directory goes.
struct chain_and_prover {
  node_identity id = node_identity::generate();
  test::temp_dir chain_dir;
  stopper cleanup;
  caf::actor validator;
  std::shared_ptr<prover_log> recorder_log = std::make_shared<prover_log>();
  caf::actor prover;

  chain_and_prover(caf::actor_system& sys, const char* dir_name) : chain_dir(dir_name), cleanup{sys, {}} {
    validator_actor_config vc;
    vc.data_dir = chain_dir.path;
    vc.identity = &id;
    vc.durable = false;
    validator = spawn_validator_actor(sys, vc);
    cleanup.actors.push_back(validator);
    prover = sys.spawn(prover_recorder, recorder_log);
    cleanup.actors.push_back(prover);
  }
  std::string keys() const { return chain_dir.path + "/keystore"; }
};

// The market of node `b`, on `validator`'s chain, telling `prover`; 1 GiB of capacity.
market_actor_config market_of(test::node& b, const node_identity& id, caf::actor validator, caf::actor prover) {
  market_actor_config mc;
  mc.node_key = id.public_key();
  mc.data_dir = b.dir.path;
  mc.chain = [validator] { return validator; };
  auto bx = b.exchange;
  mc.exchange = [bx] { return bx; };
  auto bb = b.blocks;
  mc.store = [bb] { return bb; };
  mc.prover = [prover] { return prover; };
  mc.local_store = b.store;
  mc.capacity = uint64_t{1} << 30;
  return mc;
}

} // namespace

TEST_CASE("market actor: takes a good order through the cluster, abandons bad ones with reasons",
          "[market][market_actor]") {
  test::system_fixture f;
  test::node a(f);
  test::node b(f);
  test::connect(a, "node-a", b, "node-b");
  auto& sys = *f.sys;

  auto good_bytes = test::pattern(700 * 1000, 1);
  auto good = a.add(good_bytes);
  auto short_bytes = test::pattern(300 * 1000, 2);
  auto under = a.add(short_bytes);
  auto wrong_root = a.add(test::pattern(200 * 1000, 3));
  auto users = a.add(test::pattern(100 * 1000, 4));
  // Content that no node of the cluster stores.
  memory_block_store nowhere_store;
  unixfs::import_options io;
  auto nowhere = unixfs::import_bytes(nowhere_store, io, test::pattern(5000, 5));
  REQUIRE(nowhere);

  // B pinned `users` itself before any order: the market must leave that pin alone.
  REQUIRE(test::fetch_dag(b, users));
  REQUIRE(b.store->pin(users, pin_type::recursive, "mine"));

  chain_and_prover chain(sys, "mantle-market-chain");
  auto& cleanup = chain.cleanup;
  const auto& id = chain.id;
  const auto& validator = chain.validator;
  const auto& prover = chain.prover;
  const auto& recorder_log = chain.recorder_log;

  auto mc = market_of(b, id, validator, prover);
  mc.policy.max_fetches = 8;
  mc.fetch_timeout = 2s;
  mc.rescan_interval = 500ms;
  caf::scoped_actor watcher{sys}; // what a console or plugin sees on the node event group
  watcher->join(sys.groups().get_local(node_event_group));
  auto market = spawn_market_actor(sys, mc);
  cleanup.actors.push_back(market);
  std::string keys = chain.keys();

  place_order(sys, validator, keys, good, good_bytes.size(), root_of(*a.store, good));
  place_order(sys, validator, keys, under, short_bytes.size() - 1000, root_of(*a.store, under));
  place_order(sys, validator, keys, wrong_root, 200 * 1000, root_of(*a.store, good));
  place_order(sys, validator, keys, users, 100 * 1000, std::string(32, '\x07'));
  place_order(sys, validator, keys, nowhere->root, 5000, root_of(nowhere_store, nowhere->root));

  nlohmann::json st;
  bool settled = test::wait_until([&] {
    st = status_of(sys, market);
    return st["taken"].size() == 1 && st["abandoned"].size() == 4 && st["fetching"].empty();
  });
  INFO(st.dump(2));
  REQUIRE(settled);

  // Published as node events: taken, then a replica of the good one, and each abandonment.
  std::map<std::string, std::vector<std::string>> seen;
  watcher->receive_while([&] { return seen["order_abandoned"].size() < 4 || seen["replica_added"].empty(); })(
    [&](node_event& e) { seen[e.kind].push_back(e.text); }, caf::after(std::chrono::seconds(5)) >> [&] {
      seen["order_abandoned"].resize(4);
      seen["replica_added"].push_back("timeout");
    });
  REQUIRE(seen["replica_added"].size() == 1);
  CHECK_THAT(seen["replica_added"][0], Catch::Contains(good.str()) && Catch::Contains("verified"));
  CHECK(seen["order_taken"].size() >= 4);
  REQUIRE(seen["order_abandoned"].size() == 4);
  CHECK_THAT(seen["order_abandoned"][0] + seen["order_abandoned"][1] + seen["order_abandoned"][2] +
               seen["order_abandoned"][3],
             Catch::Contains(under.str() + ": declared size"));

  // The good order: pinned by the market, verified, claimed with the prover.
  auto* taken = find_cid(st["taken"], good);
  REQUIRE(taken);
  CHECK((*taken)["size"] == good_bytes.size());
  CHECK(test::wait_until([&] { return recorder_log->adds() == 1; }));
  {
    std::lock_guard<std::mutex> g(recorder_log->mu);
    REQUIRE(recorder_log->added.size() == 1);
    CHECK(recorder_log->added[0].first == good.bytes());
    CHECK(recorder_log->added[0].second == good_bytes.size());
  }
  auto gp = pin_of(*b.store, good);
  REQUIRE(gp);
  CHECK(gp->name == market_pin_name);

  // The bad orders, each with its reason.
  auto reason = [&](const cid& c) {
    auto* e = find_cid(st["abandoned"], c);
    REQUIRE(e);
    return (*e)["reason"].get<std::string>();
  };
  CHECK(reason(under) == "declared size " + std::to_string(short_bytes.size() - 1000) +
                           " is smaller than the file's " + std::to_string(short_bytes.size()) + " bytes");
  CHECK(reason(wrong_root).rfind("proof root mismatch", 0) == 0);
  CHECK(reason(users).rfind("proof root mismatch", 0) == 0);
  CHECK(reason(nowhere->root).rfind("not found in the cluster within 2 s", 0) == 0);

  // Unpinned what the market pinned; the pin B made itself stays, under its own name.
  CHECK(test::wait_until([&] { return !pin_of(*b.store, under) && !pin_of(*b.store, wrong_root); }));
  auto up = pin_of(*b.store, users);
  REQUIRE(up);
  CHECK(up->name == "mine");

  // Not retried: more scans later, still one entry each and nothing fetching.
  uint64_t scans = st["last_scan"]["scans"];
  CHECK(test::wait_until([&] {
    st = status_of(sys, market);
    return st["last_scan"]["scans"].get<uint64_t>() >= scans + 3;
  }));
  CHECK(st["abandoned"].size() == 4);
  CHECK(st["fetching"].empty());
  CHECK(st["taken"].size() == 1);
  CHECK(recorder_log->adds() == 1);
}

// --market-policy: while the policy actor is not running the market takes nothing and says
// why; once the real order_policy plugin runs, it takes what the policy allows and records the
// policy's "no" with its reason.
TEST_CASE("market actor: asks the order policy, takes nothing without it", "[market][market_actor][plugins]") {
  test::system_fixture f;
  test::node a(f);
  test::node b(f);
  test::connect(a, "node-a", b, "node-b");
  auto& sys = *f.sys;
  auto small_bytes = test::pattern(100 * 1000, 11);
  auto small = a.add(small_bytes);
  auto big_bytes = test::pattern(600 * 1000, 12);
  auto big = a.add(big_bytes);

  chain_and_prover chain(sys, "mantle-market-policy");
  auto& cleanup = chain.cleanup;
  const auto& id = chain.id;
  const auto& validator = chain.validator;
  const auto& prover = chain.prover;
  const auto& recorder_log = chain.recorder_log;
  auto host = spawn_plugin_host(sys, plugin_host_config{});
  cleanup.actors.push_back(host);

  auto mc = market_of(b, id, validator, prover);
  mc.fetch_timeout = 5s;
  mc.rescan_interval = 300ms;
  mc.policy_name = "ord_policy";
  mc.order_policy = [&sys] { return sys.registry().get<caf::actor>(caf::atom_from_string("ord_policy")); };
  auto market = spawn_market_actor(sys, mc);
  cleanup.actors.push_back(market);
  std::string keys = chain.keys();
  place_order(sys, validator, keys, small, small_bytes.size(), root_of(*a.store, small));
  place_order(sys, validator, keys, big, big_bytes.size(), root_of(*a.store, big));

  // No policy running: several scans of pending orders, nothing taken, the reason shown.
  nlohmann::json st;
  CHECK(test::wait_until([&] {
    st = status_of(sys, market);
    return st["last_scan"]["scans"].get<uint64_t>() >= 3 && st["last_scan"]["files"].get<uint64_t>() == 2;
  }));
  INFO(st.dump(2));
  CHECK(st["taken"].empty());
  CHECK(st["fetching"].empty());
  CHECK(st["policy"]["running"] == false);
  CHECK(st["policy"]["error"].get<std::string>().find("order policy 'ord_policy' (--market-policy) is not running") == 0);
  CHECK(st["policy"]["asked"] == 0);

  caf::scoped_actor self{sys};
  bool loaded = false;
  self->request(host, 10s, plg_load_atom::value, std::string(MANTLE_PLUGIN_DIR) + "/order_policy.so",
                std::map<std::string, std::string>{{"max-size", "500000"}})
    .receive([&](plugin_info&) { loaded = true; }, [&](caf::error& e) { FAIL(from_caf(e).message); });
  REQUIRE(loaded);

  bool settled = test::wait_until([&] {
    st = status_of(sys, market);
    return st["taken"].size() == 1 && st["policy"]["declined"].size() == 1;
  });
  INFO(st.dump(2));
  REQUIRE(settled);
  CHECK(find_cid(st["taken"], small));
  auto* d = find_cid(st["policy"]["declined"], big);
  REQUIRE(d);
  CHECK((*d)["reason"] == "size " + std::to_string(big_bytes.size()) + " bytes is above max-size 500000");
  CHECK(st["policy"]["running"] == true);
  CHECK(st["policy"]["error"] == "");
  CHECK(st["policy"]["approved"] == 1);
  // Later scans of the same slot do not ask again: the verdict is "declined".
  CHECK(test::wait_until([&] {
    st = status_of(sys, market);
    return st["last_scan"]["verdicts"].contains("declined");
  }));
  CHECK(recorder_log->adds() == 1);
  CHECK(!pin_of(*b.store, big));
}
