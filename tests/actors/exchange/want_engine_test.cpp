// The exchange's peer selection as pure logic: want-have then want-block, windows, re-asking
// after dont_have / disconnect / slowness, cancels, and failures that name the CID.
#include <catch2/catch.hpp>

#include <algorithm>

#include "actors/exchange/want_engine.hpp"
#include "storage/multihash.hpp"

using namespace mantle;
using namespace mantle::exchange;

namespace {

cid make_cid(int i) { return cid{1, codec::raw, multihash::sha256("block " + std::to_string(i))}; }

// Messages of one kind to one peer in a batch of outgoing messages.
std::vector<cid> sent(const std::vector<outgoing>& out, const std::string& peer, msg_kind k) {
  std::vector<cid> r;
  for (auto& o : out)
    if (o.peer == peer && o.kind == k)
      r.insert(r.end(), o.cids.begin(), o.cids.end());
  return r;
}

const auto t0 = clock::now();

// An engine (default limits unless given) with these peers connected.
want_engine engine_with(std::initializer_list<const char*> peers, engine_limits lim = {}) {
  want_engine e(lim);
  for (auto p : peers)
    e.peer_up(p);
  return e;
}

} // namespace

TEST_CASE("a want asks every peer want-have, then want-block from one that has it", "[exchange][engine]") {
  auto e = engine_with({"A", "B"});
  auto c = make_cid(1);
  e.want(c);
  auto out = e.take_outgoing(t0);
  CHECK(sent(out, "A", msg_kind::want_have) == std::vector<cid>{c});
  CHECK(sent(out, "B", msg_kind::want_have) == std::vector<cid>{c});
  e.on_dont_have("A", c);
  e.on_have("B", c);
  out = e.take_outgoing(t0);
  CHECK(sent(out, "B", msg_kind::want_block) == std::vector<cid>{c});
  CHECK(sent(out, "A", msg_kind::want_block).empty());
  CHECK(e.in_flight("B") == 1);
  auto r = e.on_block("B", c);
  CHECK(r.verdict == block_verdict::wanted);
  CHECK(r.holders == std::vector<std::string>{"B"});
  CHECK(e.wants() == 0);
  CHECK(e.in_flight() == 0);
  CHECK(e.take_failures().empty());
}

TEST_CASE("a want fails with the CID in the message when nobody has the block", "[exchange][engine]") {
  want_engine e;
  auto c = make_cid(2);
  SECTION("no peer") {
    e.want(c);
    e.take_outgoing(t0);
    auto f = e.take_failures();
    REQUIRE(f.size() == 1);
    CHECK(f[0].err.code == errc::not_found);
    CHECK(f[0].err.message.find(c.str()) != std::string::npos);
    CHECK(f[0].err.message.find("no peer is connected") != std::string::npos);
  }
  SECTION("every peer says dont_have") {
    e.peer_up("A");
    e.peer_up("B");
    e.want(c);
    e.take_outgoing(t0);
    e.on_dont_have("A", c);
    e.take_outgoing(t0);
    CHECK(e.take_failures().empty()); // B has not answered yet
    e.on_dont_have("B", c);
    e.take_outgoing(t0);
    auto f = e.take_failures();
    REQUIRE(f.size() == 1);
    CHECK(f[0].err.message == "block " + c.str() + " not found: none of the 2 connected peers has it");
    CHECK(e.wants() == 0);
  }
}

TEST_CASE("want-blocks spread over the holders within the per-peer and total windows", "[exchange][engine]") {
  engine_limits lim;
  lim.per_peer = 2;
  lim.total = 3;
  want_engine e(lim);
  e.peer_up("A");
  e.peer_up("B");
  std::vector<cid> cids;
  for (int i = 0; i < 10; ++i) {
    cids.push_back(make_cid(100 + i));
    e.want(cids.back(), {"A", "B"}); // hinted: want-block at once
  }
  auto out = e.take_outgoing(t0);
  auto a = sent(out, "A", msg_kind::want_block);
  auto b = sent(out, "B", msg_kind::want_block);
  CHECK(a.size() + b.size() == 3);
  CHECK(!a.empty());
  CHECK(!b.empty());
  CHECK(e.in_flight() == 3);
  CHECK(sent(out, "A", msg_kind::want_have).empty());
  // Each arrival frees a slot for the next want, until all ten are done.
  size_t done = 0;
  std::vector<std::pair<std::string, cid>> pending;
  for (auto& c : a) pending.push_back({"A", c});
  for (auto& c : b) pending.push_back({"B", c});
  std::set<std::string> served_by;
  while (!pending.empty()) {
    auto [p, c] = pending.front();
    pending.erase(pending.begin());
    CHECK(e.on_block(p, c).verdict == block_verdict::wanted);
    served_by.insert(p);
    ++done;
    out = e.take_outgoing(t0);
    CHECK(e.in_flight("A") <= 2);
    CHECK(e.in_flight("B") <= 2);
    CHECK(e.in_flight() <= 3);
    for (auto& x : sent(out, "A", msg_kind::want_block)) pending.push_back({"A", x});
    for (auto& x : sent(out, "B", msg_kind::want_block)) pending.push_back({"B", x});
  }
  CHECK(done == 10);
  CHECK(served_by.size() == 2);
  CHECK(e.wants() == 0);
}

TEST_CASE("a disconnected peer's requests go to another holder", "[exchange][engine]") {
  auto e = engine_with({"A", "B"});
  auto c = make_cid(3);
  e.want(c, {"A"});
  auto out = e.take_outgoing(t0);
  REQUIRE(sent(out, "A", msg_kind::want_block) == std::vector<cid>{c});
  e.peer_down("A");
  CHECK(e.in_flight() == 0);
  out = e.take_outgoing(t0);
  CHECK(sent(out, "B", msg_kind::want_have) == std::vector<cid>{c});
  e.on_have("B", c);
  out = e.take_outgoing(t0);
  CHECK(sent(out, "B", msg_kind::want_block) == std::vector<cid>{c});
  CHECK(e.on_block("B", c).verdict == block_verdict::wanted);
}

TEST_CASE("a slow peer is doubled by another; the loser is cancelled and its late copy is a duplicate", "[exchange][engine]") {
  engine_limits lim;
  lim.slow_after = std::chrono::milliseconds(1000);
  want_engine e(lim);
  e.peer_up("A");
  e.peer_up("B");
  auto c = make_cid(4);
  e.want(c, {"A", "B"});
  auto out = e.take_outgoing(t0);
  auto first = sent(out, "A", msg_kind::want_block).empty() ? std::string("B") : std::string("A");
  auto second = first == "A" ? std::string("B") : std::string("A");
  e.tick(t0 + std::chrono::milliseconds(500));
  CHECK(e.take_outgoing(t0 + std::chrono::milliseconds(500)).empty());
  e.tick(t0 + std::chrono::milliseconds(1500));
  out = e.take_outgoing(t0 + std::chrono::milliseconds(1500));
  CHECK(sent(out, second, msg_kind::want_block) == std::vector<cid>{c});
  CHECK(e.on_block(second, c).verdict == block_verdict::wanted);
  out = e.take_outgoing(t0 + std::chrono::milliseconds(1600));
  CHECK(sent(out, first, msg_kind::cancel) == std::vector<cid>{c});
  CHECK(sent(out, second, msg_kind::cancel).empty());
  CHECK(e.on_block(first, c).verdict == block_verdict::duplicate);
  CHECK(e.in_flight() == 0);
}

TEST_CASE("unrequested blocks are told apart and a banned peer stays out", "[exchange][engine]") {
  want_engine e;
  e.peer_up("A");
  e.peer_up("M");
  auto c = make_cid(5);
  e.want(c, {"A"});
  e.take_outgoing(t0);
  CHECK(e.on_block("M", c).verdict == block_verdict::unrequested);
  CHECK(e.on_block("M", make_cid(6)).verdict == block_verdict::unrequested);
  e.ban("M");
  CHECK_FALSE(e.peer_up("M"));
  CHECK_FALSE(e.connected("M"));
  CHECK(e.on_block("A", c).verdict == block_verdict::wanted);
}

TEST_CASE("dropping a want cancels its outstanding requests", "[exchange][engine]") {
  auto e = engine_with({"A", "B"});
  auto c = make_cid(7);
  e.want(c, {"A"});
  e.take_outgoing(t0);
  e.drop(c);
  auto out = e.take_outgoing(t0);
  CHECK(sent(out, "A", msg_kind::cancel) == std::vector<cid>{c});
  CHECK(e.in_flight() == 0);
  CHECK(e.wants() == 0);
  CHECK(e.take_failures().empty());
}

TEST_CASE("a peer that comes up is asked for wants nobody had", "[exchange][engine]") {
  want_engine e;
  e.peer_up("A");
  auto c = make_cid(8);
  e.want(c);
  e.take_outgoing(t0);
  e.peer_up("B");
  auto out = e.take_outgoing(t0);
  CHECK(sent(out, "B", msg_kind::want_have) == std::vector<cid>{c});
  CHECK(sent(out, "A", msg_kind::want_have).empty()); // already asked
}

TEST_CASE("unanswered want-haves at one peer stay within its window; answers let the rest go",
          "[exchange][engine][limits]") {
  engine_limits lim;
  lim.have_per_peer = 3;
  want_engine e(lim);
  e.peer_up("A");
  std::vector<cid> cids;
  for (int i = 0; i < 7; ++i) {
    cids.push_back(make_cid(200 + i));
    e.want(cids.back()); // no hints: want-have first
  }
  auto out = e.take_outgoing(t0);
  auto asked = sent(out, "A", msg_kind::want_have);
  CHECK(asked == std::vector<cid>(cids.begin(), cids.begin() + 3));
  CHECK(e.haves_in_flight("A") == 3);
  CHECK(e.take_outgoing(t0).empty()); // nothing more while none is answered
  // A dont_have fails that want (the only peer) and frees a slot; a have moves its want to
  // want-block and frees another.
  e.on_dont_have("A", cids[0]);
  e.on_have("A", cids[1]);
  out = e.take_outgoing(t0);
  CHECK(sent(out, "A", msg_kind::want_block) == std::vector<cid>{cids[1]});
  CHECK(sent(out, "A", msg_kind::want_have) == std::vector<cid>{cids[3], cids[4]});
  CHECK(e.haves_in_flight("A") == 3);
  auto f = e.take_failures();
  REQUIRE(f.size() == 1);
  CHECK(f[0].id == cids[0]);
  // Dropping a want that was asked frees its slot too; a disconnect frees them all.
  e.drop(cids[2]);
  out = e.take_outgoing(t0);
  CHECK(sent(out, "A", msg_kind::cancel) == std::vector<cid>{cids[2]});
  CHECK(sent(out, "A", msg_kind::want_have) == std::vector<cid>{cids[5]});
  e.peer_down("A");
  CHECK(e.haves_in_flight("A") == 0);
  e.peer_up("A");
  out = e.take_outgoing(t0);
  CHECK(sent(out, "A", msg_kind::want_have).size() == 3);
  CHECK(e.haves_in_flight("A") == 3);
}

TEST_CASE("a not_now from the only holder is asked again after a doubling backoff, never failed",
          "[exchange][engine][credit]") {
  want_engine e; // not_now_first 1 s, not_now_max 8 s
  e.peer_up("A");
  auto c = make_cid(40);
  e.want(c);
  e.take_outgoing(t0);
  e.on_have("A", c);
  REQUIRE(sent(e.take_outgoing(t0), "A", msg_kind::want_block) == std::vector<cid>{c});
  auto t = t0;
  for (int round = 0; round < 5; ++round) {
    INFO("refusal " << round + 1);
    auto backoff = std::chrono::milliseconds(std::min(1000 << round, 8000));
    e.on_not_now("A", c, t);
    CHECK(e.in_flight("A") == 0);
    CHECK(e.deferring(c) == std::vector<std::string>{"A"});
    CHECK(e.take_outgoing(t).empty());
    CHECK(e.take_failures().empty());
    e.tick(t + backoff - std::chrono::milliseconds(1));
    CHECK(e.take_outgoing(t + backoff - std::chrono::milliseconds(1)).empty());
    t += backoff;
    e.tick(t);
    CHECK(sent(e.take_outgoing(t), "A", msg_kind::want_block) == std::vector<cid>{c});
    CHECK(e.take_failures().empty());
  }
  auto r = e.on_block("A", c);
  CHECK(r.verdict == block_verdict::wanted);
  CHECK(e.wants() == 0);
}

TEST_CASE("a not_now moves the request to another holder at once", "[exchange][engine][credit]") {
  auto e = engine_with({"A", "B"});
  auto c = make_cid(41);
  e.want(c, {"A", "B"});
  auto out = e.take_outgoing(t0);
  auto first = sent(out, "A", msg_kind::want_block).empty() ? std::string("B") : std::string("A");
  auto other = first == "A" ? std::string("B") : std::string("A");
  REQUIRE(sent(out, first, msg_kind::want_block) == std::vector<cid>{c});
  e.on_not_now(first, c, t0);
  out = e.take_outgoing(t0);
  CHECK(sent(out, other, msg_kind::want_block) == std::vector<cid>{c});
  CHECK(sent(out, first, msg_kind::want_block).empty());
  // The other one does not have it after all: wait for the first one's backoff, no failure.
  e.on_dont_have(other, c);
  CHECK(e.take_outgoing(t0).empty());
  CHECK(e.take_failures().empty());
  e.tick(t0 + std::chrono::seconds(1));
  CHECK(sent(e.take_outgoing(t0 + std::chrono::seconds(1)), first, msg_kind::want_block) == std::vector<cid>{c});
}

TEST_CASE("a deferred want fails once its deferring peer is gone and nobody else has the block",
          "[exchange][engine][credit]") {
  auto e = engine_with({"A", "B"});
  auto c = make_cid(42);
  e.want(c, {"A"});
  REQUIRE(sent(e.take_outgoing(t0), "A", msg_kind::want_block) == std::vector<cid>{c});
  e.on_not_now("A", c, t0);
  e.take_outgoing(t0); // want-have to B
  e.on_dont_have("B", c);
  CHECK(e.take_outgoing(t0).empty());
  CHECK(e.take_failures().empty());
  e.peer_down("A");
  e.take_outgoing(t0);
  auto f = e.take_failures();
  REQUIRE(f.size() == 1);
  CHECK(f[0].err.message == "block " + c.str() + " not found: none of the 1 connected peers has it");
  CHECK(e.deferring(c).empty());
}

TEST_CASE("a not_now for a block that peer was not asked for changes nothing", "[exchange][engine][credit]") {
  auto e = engine_with({"A", "B"});
  auto c = make_cid(43);
  e.want(c, {"A"});
  REQUIRE(sent(e.take_outgoing(t0), "A", msg_kind::want_block) == std::vector<cid>{c});
  e.on_not_now("B", c, t0);
  e.on_not_now("A", make_cid(44), t0);
  CHECK(e.in_flight("A") == 1);
  CHECK(e.deferring(c).empty());
  CHECK(e.take_outgoing(t0).empty());
}
