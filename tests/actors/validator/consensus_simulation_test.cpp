// Four consensus_state instances wired by an in-memory router with a deterministic scheduler:
// simulated time, random latencies and drops from a fixed seed. Each host re-sends its own
// messages of the current height and its last certificate every gossip_ms (what gossip does in
// the real network), so drops cost time, not liveness.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <queue>
#include <random>

#include "actors/validator/consensus_state.hpp"
#include "actors/validator/vote_signer.hpp"
#include "tests/actors/validator/consensus_test_support.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using namespace mantle::chain;

namespace {

struct message {
  enum kind_t { proposal_msg, vote_msg, commit_msg } kind = vote_msg;
  proposal p;
  vote v;
  commit_cert cert;
  std::string bytes;
};

struct event {
  uint64_t time = 0;
  uint64_t seq = 0;
  enum kind_t { deliver, timeout, start, gossip } kind = deliver;
  size_t to = 0;
  message m;
  uint64_t height = 0;
  uint32_t round = 0;
  round_step step = round_step::propose;
  bool operator>(const event& o) const { return std::tie(time, seq) > std::tie(o.time, o.seq); }
};

struct sim_node {
  std::unique_ptr<vote_signer> signer;
  std::unique_ptr<consensus_state> cs;
  bool silent = false;
  std::map<uint64_t, std::string> decided;                   // height -> block id
  std::map<uint64_t, std::pair<commit_cert, std::string>> commits; // height -> (cert, block)
  std::vector<message> sent;                                 // own messages at the current height
};

class simulation {
public:
  simulation(uint32_t seed, unsigned drop_percent, std::vector<size_t> silent, uint64_t target_height)
    : rng_(seed), drop_percent_(drop_percent), target_(target_height) {
    std::vector<validator_info> infos;
    for (int i = 0; i < 4; ++i) {
      auto id = node_identity::from_seed(std::string(32, static_cast<char>('a' + i)));
      REQUIRE(id);
      ids_.push_back(*id);
    }
    std::sort(ids_.begin(), ids_.end(), [](const auto& a, const auto& b) { return a.public_key() < b.public_key(); });
    for (const auto& id : ids_)
      infos.push_back({id.public_key(), 1});
    set_ = *make_validator_set(infos);
    cfg_.chain_id = "sim";
    cfg_.propose_timeout_ms = 300;
    cfg_.propose_timeout_delta_ms = 100;
    cfg_.prevote_timeout_ms = 100;
    cfg_.prevote_timeout_delta_ms = 50;
    cfg_.precommit_timeout_ms = 100;
    cfg_.precommit_timeout_delta_ms = 50;
    nodes_.resize(4);
    for (size_t i = 0; i < 4; ++i) {
      auto& n = nodes_[i];
      n.silent = std::find(silent.begin(), silent.end(), i) != silent.end();
      auto s = vote_signer::open(dir_.path + "/wal" + std::to_string(i), ids_[i], cfg_.chain_id, false);
      REQUIRE(s);
      n.signer = std::move(*s);
      consensus_host host;
      host.make_block = [this, i](uint64_t h, uint32_t r) {
        auto& me = nodes_[i];
        std::string prev;
        commit_cert last;
        if (h > 1) {
          prev = me.decided.at(h - 1);
          last = me.commits.at(h - 1).first;
        }
        return encode(test::make_test_block(cfg_.chain_id, h, h * 1000 + r * 10 + i, ids_[i].public_key(), prev, last));
      };
      host.validate_block = [this, i](std::string_view, const block& b) -> status {
        auto& me = nodes_[i];
        if (auto st = check_body(b); !st)
          return st;
        std::string prev = b.header.height > 1 ? me.decided.at(b.header.height - 1) : std::string();
        if (b.header.prev_hash != prev)
          return make_error(errc::invalid_input, "block does not follow our chain");
        return {};
      };
      n.cs = std::make_unique<consensus_state>(cfg_, host, n.signer.get());
    }
  }

  // Runs until every live node decided `target` heights or `limit_ms` of simulated time.
  void run(uint64_t limit_ms) {
    for (size_t i = 0; i < 4; ++i) {
      push(event{0, 0, event::start, i, {}, 1});
      push(event{gossip_ms, 0, event::gossip, i, {}, 0});
    }
    while (!queue_.empty()) {
      auto e = queue_.top();
      queue_.pop();
      now_ = e.time;
      if (now_ > limit_ms || all_done())
        break;
      auto& n = nodes_[e.to];
      if (n.silent)
        continue;
      switch (e.kind) {
        case event::start:
          n.sent.clear();
          handle(e.to, n.cs->start_height(e.height, set_));
          break;
        case event::timeout:
          handle(e.to, n.cs->on_timeout(e.height, e.round, e.step));
          break;
        case event::gossip:
          regossip(e.to);
          push(event{now_ + gossip_ms, 0, event::gossip, e.to, {}, 0});
          break;
        case event::deliver:
          if (e.m.kind == message::proposal_msg)
            handle(e.to, n.cs->on_proposal(e.m.p, e.m.bytes));
          else if (e.m.kind == message::vote_msg)
            handle(e.to, n.cs->on_vote(e.m.v));
          else if (e.m.cert.height == n.cs->height() && !n.cs->decided())
            handle(e.to, n.cs->on_commit(e.m.cert, e.m.bytes));
          break;
      }
    }
  }

  const std::vector<sim_node>& nodes() const { return nodes_; }
  size_t evidence() const { return evidence_; }
  uint64_t now() const { return now_; }

  // No two nodes decided different blocks at any height.
  bool agree() const {
    std::map<uint64_t, std::string> seen;
    for (const auto& n : nodes_)
      for (const auto& [h, id] : n.decided) {
        auto [it, fresh] = seen.emplace(h, id);
        if (!fresh && it->second != id)
          return false;
      }
    return true;
  }

private:
  bool all_done() const {
    for (const auto& n : nodes_)
      if (!n.silent && n.decided.size() < target_)
        return false;
    return true;
  }

  void push(event e) {
    e.seq = seq_++;
    queue_.push(std::move(e));
  }

  void send(size_t from, const message& m) {
    for (size_t to = 0; to < 4; ++to) {
      if (to == from || nodes_[to].silent)
        continue;
      if (rng_() % 100 < drop_percent_)
        continue;
      push(event{now_ + 1 + rng_() % 40, 0, event::deliver, to, m});
    }
  }

  void regossip(size_t i) {
    auto& n = nodes_[i];
    for (const auto& m : n.sent)
      send(i, m);
    if (!n.commits.empty()) {
      message m;
      m.kind = message::commit_msg;
      m.cert = n.commits.rbegin()->second.first;
      m.bytes = n.commits.rbegin()->second.second;
      send(i, m);
    }
  }

  void handle(size_t i, const consensus_actions& acts) {
    auto& n = nodes_[i];
    for (const auto& a : acts) {
      if (const auto* bp = std::get_if<broadcast_proposal>(&a)) {
        message m;
        m.kind = message::proposal_msg;
        m.p = bp->p;
        m.bytes = bp->block_bytes;
        n.sent.push_back(m);
        send(i, m);
      } else if (const auto* bv = std::get_if<broadcast_vote>(&a)) {
        message m;
        m.kind = message::vote_msg;
        m.v = bv->v;
        n.sent.push_back(m);
        send(i, m);
      } else if (const auto* st = std::get_if<schedule_timeout>(&a)) {
        event e;
        e.time = now_ + st->delay_ms;
        e.kind = event::timeout;
        e.to = i;
        e.height = st->height;
        e.round = st->round;
        e.step = st->step;
        push(std::move(e));
      } else if (const auto* d = std::get_if<decide>(&a)) {
        REQUIRE(verify_commit(cfg_.chain_id, set_, d->cert));
        REQUIRE(n.decided.count(d->height) == 0);
        n.decided[d->height] = d->cert.block_id;
        n.commits[d->height] = {d->cert, d->block_bytes};
        if (n.decided.size() < target_)
          push(event{now_ + 10, 0, event::start, i, {}, d->height + 1});
        regossip(i);
      } else if (std::get_if<evidence_found>(&a)) {
        ++evidence_;
      }
    }
  }

  static constexpr uint64_t gossip_ms = 200;
  test::temp_dir dir_{"consensus-sim"};
  std::mt19937 rng_;
  unsigned drop_percent_;
  uint64_t target_;
  std::vector<node_identity> ids_;
  validator_set set_;
  consensus_config cfg_;
  std::vector<sim_node> nodes_;
  std::priority_queue<event, std::vector<event>, std::greater<event>> queue_;
  uint64_t seq_ = 0;
  uint64_t now_ = 0;
  size_t evidence_ = 0;
};

} // namespace

TEST_CASE("four validators decide the same blocks under random delivery order and drops", "[chain][consensus][sim]") {
  const uint64_t heights = 5;
  for (uint32_t seed : {1u, 2u, 3u, 4u}) {
    for (unsigned drop : {0u, 10u}) {
      INFO("seed " << seed << ", drop " << drop << "%");
      simulation sim(seed, drop, {}, heights);
      sim.run(600000);
      CHECK(sim.agree());
      CHECK(sim.evidence() == 0);
      for (const auto& n : sim.nodes())
        CHECK(n.decided.size() == heights);
    }
  }
}

TEST_CASE("with one silent validator the other three still decide", "[chain][consensus][sim]") {
  const uint64_t heights = 5;
  for (uint32_t seed : {5u, 6u}) {
    for (size_t silent : {0u, 2u}) {
      INFO("seed " << seed << ", silent " << silent);
      simulation sim(seed, 5, {silent}, heights);
      sim.run(600000);
      CHECK(sim.agree());
      for (size_t i = 0; i < 4; ++i)
        CHECK(sim.nodes()[i].decided.size() == (i == silent ? 0 : heights));
    }
  }
}

TEST_CASE("with two silent validators nothing is decided, and nothing conflicting", "[chain][consensus][sim]") {
  for (uint32_t seed : {7u, 8u}) {
    INFO("seed " << seed);
    simulation sim(seed, 5, {1, 3}, 3);
    sim.run(60000);
    CHECK(sim.agree());
    CHECK(sim.now() > 60000 - 1000); // it ran out the clock rather than running out of events
    for (const auto& n : sim.nodes())
      CHECK(n.decided.empty());
  }
}
