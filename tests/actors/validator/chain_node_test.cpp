// chain_node end to end in one process: four nodes with real stores in temp dirs, wired by an
// in-memory network with a virtual clock, so whole heights (proposal, votes, commit, state,
// mempool, catch-up, restart) run deterministically without CAF.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <queue>
#include <set>

#include "actors/validator/chain_node.hpp"
#include "storage/identity.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using namespace mantle::chain;

namespace {

struct sim {
  test::temp_dir dir{"mantle-chain-node"};
  std::vector<node_identity> node_keys;
  std::vector<node_identity> owners;
  genesis gen;
  std::vector<std::unique_ptr<chain_node>> nodes;
  std::vector<bool> online;
  uint64_t now = 1767225600000;
  uint64_t seq = 0;
  // Everything travels as an event at a virtual time; messages take 5 ms.
  struct event {
    uint64_t at;
    uint64_t seq;
    size_t to;
    std::function<node_outputs(chain_node&)> run;
    bool operator>(const event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  std::priority_queue<event, std::vector<event>, std::greater<event>> q;
  std::map<uint64_t, std::set<std::string>> decided; // height -> block ids seen committed

  std::set<size_t> byzantine;

  explicit sim(size_t n, uint64_t era_blocks = 1000, std::set<size_t> evil = {}) : byzantine(std::move(evil)) {
    for (size_t i = 0; i < n; ++i) {
      node_keys.push_back(node_identity::generate());
      owners.push_back(node_identity::generate());
    }
    gen.chain_id = "sim";
    gen.genesis_time_ms = now;
    gen.params.block_time_ms = 1000;
    gen.params.era_blocks = era_blocks;
    gen.params.slot_blocks = 3; // slot boundaries record the header's prev_hash: every node must agree
    for (size_t i = 0; i < n; ++i) {
      gen.accounts.push_back({owners[i].public_key(), 1000 * base_units_per_token});
      genesis_validator v;
      v.owner = owners[i].public_key();
      v.node_key = node_keys[i].public_key();
      v.bonded = 100 * base_units_per_token;
      v.storage_power = 1024 * gib;
      gen.validators.push_back(v);
    }
    for (size_t i = 0; i < n; ++i) {
      nodes.emplace_back();
      online.push_back(true);
      REQUIRE(open(i));
    }
  }

  bool open(size_t i) {
    chain_node_config c;
    c.dir = dir.path + "/node" + std::to_string(i);
    c.gen = gen;
    c.key = &node_keys[i];
    c.durable = false;
    c.byzantine = byzantine.count(i) > 0;
    c.now_ms = [this] { return now; };
    auto n = chain_node::open(std::move(c));
    if (!n) {
      FAIL(n.err().describe());
      return false;
    }
    nodes[i] = std::move(*n);
    return true;
  }

  void post(size_t to, uint64_t delay, std::function<node_outputs(chain_node&)> f) {
    q.push(event{now + delay, seq++, to, std::move(f)});
  }

  void broadcast(size_t from, const std::function<node_outputs(chain_node&)>& f) {
    for (size_t j = 0; j < nodes.size(); ++j)
      if (j != from)
        post(j, 5, f);
  }

  void handle(size_t i, node_outputs outs) {
    for (auto& o : outs) {
      if (auto* p = std::get_if<out_proposal>(&o)) {
        auto prop = p->p;
        auto bytes = p->block_bytes;
        broadcast(i, [prop, bytes](chain_node& n) { return n.on_proposal(prop, bytes); });
      } else if (auto* v = std::get_if<out_vote>(&o)) {
        auto vote = v->v;
        broadcast(i, [vote](chain_node& n) { return n.on_vote(vote); });
      } else if (auto* t = std::get_if<out_txs>(&o)) {
        auto txs = t->txs;
        broadcast(i, [txs](chain_node& n) {
          node_outputs out;
          for (const auto& tx : txs)
            (void)n.submit_tx(tx, out);
          return out;
        });
      } else if (auto* to = std::get_if<out_timeout>(&o)) {
        auto h = to->height;
        auto r = to->round;
        auto s = to->step;
        post(i, to->delay_ms, [h, r, s](chain_node& n) { return n.on_timeout(h, r, s); });
      } else if (auto* nh = std::get_if<out_next_height>(&o)) {
        auto h = nh->height;
        post(i, nh->delay_ms, [h](chain_node& n) { return n.start_next(h); });
      } else if (auto* st = std::get_if<out_status>(&o)) {
        auto h = st->height;
        broadcast(i, [h](chain_node& n) { return n.on_peer_status(h); });
      } else if (auto* rq = std::get_if<out_request_blocks>(&o)) {
        // Ask the online node with the highest head.
        size_t best = i;
        for (size_t j = 0; j < nodes.size(); ++j)
          if (online[j] && j != i && nodes[j]->head().height > nodes[best]->head().height)
            best = j;
        if (best == i)
          continue;
        auto blocks = nodes[best]->blocks_from(rq->from, 50, 8 << 20);
        REQUIRE(blocks);
        auto got = *blocks;
        post(i, 5, [got](chain_node& n) {
          std::string err;
          auto out = n.on_blocks(got, &err);
          CHECK(err.empty());
          return out;
        });
      } else if (auto* c = std::get_if<out_committed>(&o)) {
        decided[c->height].insert(c->id);
      }
    }
  }

  void start_all() {
    for (size_t i = 0; i < nodes.size(); ++i)
      if (online[i])
        start(i);
  }

  void start(size_t i) {
    handle(i, nodes[i]->start());
    schedule_tick(i);
  }

  // The host's periodic tick, as the validator actor runs it.
  void schedule_tick(size_t i) {
    post(i, nodes[i]->tick_ms(), [this, i](chain_node& n) {
      schedule_tick(i);
      return n.tick();
    });
  }

  // Runs events until virtual time `until` (ms from now).
  void run_for(uint64_t ms) {
    uint64_t end = now + ms;
    while (!q.empty() && q.top().at <= end) {
      auto e = q.top();
      q.pop();
      now = std::max(now, e.at);
      if (!online[e.to] || !nodes[e.to])
        continue;
      handle(e.to, e.run(*nodes[e.to]));
      REQUIRE(nodes[e.to]->fatal().empty());
    }
    now = end;
  }

  uint64_t min_height() const {
    uint64_t m = UINT64_MAX;
    for (size_t i = 0; i < nodes.size(); ++i)
      if (online[i])
        m = std::min(m, nodes[i]->head().height);
    return m;
  }
};

nlohmann::json parse(const result<std::string>& r) {
  REQUIRE(r);
  return nlohmann::json::parse(*r);
}

} // namespace

TEST_CASE("four chain nodes finalize the same blocks, about one per block time", "[chain][node]") {
  sim s(4);
  s.start_all();
  s.run_for(10000);
  CHECK(s.min_height() >= 6);
  for (const auto& [h, ids] : s.decided)
    CHECK(ids.size() == 1); // no fork
  auto root = s.nodes[0]->head_json();
  for (size_t i = 1; i < 4; ++i)
    CHECK(parse(s.nodes[i]->block_json(5))["id"] == parse(s.nodes[0]->block_json(5))["id"]);
  auto head = nlohmann::json::parse(root);
  CHECK(head["chain_id"] == "sim");
  CHECK(head["validators"] == 4);
}

TEST_CASE("a transfer submitted on one node is gossiped, finalized and applied everywhere", "[chain][node]") {
  sim s(4);
  s.start_all();
  s.run_for(1500);
  auto to = node_identity::generate();
  node_outputs out;
  auto h = s.nodes[1]->sign_and_submit(s.owners[0], txs::transfer{to.public_key(), 5 * base_units_per_token}, out);
  REQUIRE(h);
  s.handle(1, out);
  // The same tx again is not an error and not relayed twice.
  node_outputs again;
  CHECK(s.nodes[1]->sign_and_submit(s.owners[0], txs::transfer{to.public_key(), 1}, again)); // nonce + 1
  s.handle(1, again);
  s.run_for(5000);
  for (size_t i = 0; i < 4; ++i) {
    auto acct = parse(s.nodes[i]->account_json(to.public_key()));
    CHECK(acct["balance"] == 5 * base_units_per_token + 1);
    auto tx = parse(s.nodes[i]->tx_json(*h));
    CHECK(tx["ok"] == true);
    CHECK(tx["type"] == "transfer");
    CHECK(tx["pending"] == false);
    CHECK(parse(s.nodes[i]->account_json(s.owners[0].public_key()))["nonce"] == 2);
  }
  // A tx with a bad signature is refused with a reason and not relayed.
  auto tx = make_tx(s.owners[2], "sim", 0, 1000000, txs::transfer{to.public_key(), 1});
  tx.signature[3] ^= 1;
  node_outputs none;
  auto bad = s.nodes[2]->submit_tx(encode(tx), none);
  REQUIRE_FALSE(bad);
  CHECK(none.empty());
}

TEST_CASE("one node down: the other three go on; it catches up with certified blocks", "[chain][node]") {
  sim s(4);
  s.online[3] = false;
  s.start_all();
  s.run_for(12000);
  uint64_t h3 = s.nodes[0]->head().height;
  CHECK(h3 >= 5);
  CHECK(s.nodes[3]->head().height == 0);
  s.online[3] = true;
  s.start(3);
  s.run_for(8000);
  CHECK(s.nodes[3]->head().height >= h3);
  CHECK(parse(s.nodes[3]->block_json(h3))["id"] == parse(s.nodes[0]->block_json(h3))["id"]);
}

TEST_CASE("two of four down: no block is finalized, and it resumes when one returns", "[chain][node]") {
  sim s(4);
  s.start_all();
  s.run_for(3000);
  s.online[2] = s.online[3] = false;
  s.run_for(2000); // a height in flight may still finish
  uint64_t stuck = s.nodes[0]->head().height;
  s.run_for(10000);
  CHECK(s.nodes[0]->head().height == stuck);
  CHECK(s.nodes[1]->head().height <= stuck);
  // Node 2's process comes back (stores reopened, its timers gone with the old process).
  s.nodes[2].reset();
  s.online[2] = true;
  REQUIRE(s.open(2));
  s.start(2);
  s.handle(2, s.nodes[2]->on_peer_status(stuck));
  s.run_for(15000);
  for (size_t i = 0; i < 3; ++i)
    UNSCOPED_INFO("node " << i << ": " << s.nodes[i]->head_json());
  CHECK(s.min_height() > stuck);
  for (const auto& [h, ids] : s.decided)
    CHECK(ids.size() == 1);
}

TEST_CASE("a restarted node reopens its stores and rejoins without signing anything new twice", "[chain][node]") {
  sim s(4);
  s.start_all();
  s.run_for(5000);
  uint64_t before = s.nodes[1]->head().height;
  s.nodes[1].reset(); // process gone
  s.online[1] = false;
  s.run_for(2000);
  s.online[1] = true;
  REQUIRE(s.open(1));
  CHECK(s.nodes[1]->head().height == before);
  s.start(1);
  s.run_for(6000);
  CHECK(s.nodes[1]->head().height > before + 2);
  for (const auto& [h, ids] : s.decided)
    CHECK(ids.size() == 1);
}

TEST_CASE("a data dir refuses a different genesis", "[chain][node]") {
  sim s(1);
  s.start_all();
  s.run_for(3000);
  CHECK(s.nodes[0]->head().height >= 2);
  s.nodes[0].reset();
  s.gen.chain_id = "other";
  chain_node_config c;
  c.dir = s.dir.path + "/node0";
  c.gen = s.gen;
  c.key = &s.node_keys[0];
  c.now_ms = [] { return uint64_t{1767225600000}; };
  auto n = chain_node::open(std::move(c));
  REQUIRE_FALSE(n);
  CHECK(n.err().message.find("genesis") != std::string::npos);
}

TEST_CASE("a double-signing validator: no fork, its evidence lands, it is slashed and leaves the set at the next era",
          "[chain][node][byzantine]") {
  sim s(4, 8, {2});
  s.start_all();
  s.run_for(30000);
  for (const auto& [h, ids] : s.decided)
    CHECK(ids.size() == 1);
  uint64_t top = s.nodes[0]->head().height;
  REQUIRE(top >= 17);
  uint64_t evidence_blocks = 0;
  for (uint64_t h = 1; h <= top; ++h)
    if (parse(s.nodes[0]->block_json(h))["evidence"].get<int>() > 0)
      ++evidence_blocks;
  CHECK(evidence_blocks >= 1);
  auto bad = parse(s.nodes[0]->account_json(s.owners[2].public_key()));
  CHECK(bad["own_stake"].get<uint64_t>() < 100 * base_units_per_token); // slashed
  CHECK(bad["candidate"].is_null());                                     // chilled
  auto vals = parse(s.nodes[0]->validators_json());
  CHECK(vals["validators"].size() == 3);
  for (const auto& v : vals["validators"])
    CHECK(v["node_key"] != to_hex(s.node_keys[2].public_key()));
  auto good = parse(s.nodes[0]->account_json(s.owners[0].public_key()));
  CHECK(good["own_stake"].get<uint64_t>() == 100 * base_units_per_token);
  // The honest nodes agree on everything.
  for (size_t i = 1; i < 4; ++i)
    CHECK(parse(s.nodes[i]->block_json(top - 2))["id"] == parse(s.nodes[0]->block_json(top - 2))["id"]);
}
