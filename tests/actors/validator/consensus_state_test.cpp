#include <catch2/catch.hpp>

#include <memory>
#include <set>

#include "actors/validator/consensus_state.hpp"
#include "actors/validator/vote_signer.hpp"
#include "tests/actors/validator/consensus_test_support.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using namespace mantle::chain;
using test::all_of;
using test::count_of;

namespace {

// Our node is validator 0 of four with equal power (so 3 votes are > 2/3 and 2 are > 1/3).
// With equal powers the rotation is set[(height + round) % 4]: at height 1 the proposers of
// rounds 0, 1, 2 are validators 1, 2, 3, and at height 4 round 0 it is us.
struct node {
  test::validators4 v;
  test::temp_dir dir{"consensus"};
  size_t me = 0;
  consensus_config cfg;
  std::set<uint64_t> reject_times; // blocks with these times are refused by validate_block
  int validations = 0;
  std::unique_ptr<vote_signer> signer;
  std::unique_ptr<consensus_state> cs;

  node() {
    cfg.chain_id = v.chain_id;
    open();
  }

  // (Re)creates signer and state machine over the same WAL: a process restart.
  void open() {
    cs.reset();
    signer.reset();
    auto s = vote_signer::open(dir.path + "/votes.wal", v.ids[me], v.chain_id, false);
    REQUIRE(s);
    signer = std::move(*s);
    consensus_host host;
    host.make_block = [this](uint64_t h, uint32_t r) {
      return encode(test::make_test_block(v.chain_id, h, 1000 * h + r, v.ids[me].public_key()));
    };
    host.validate_block = [this](std::string_view, const block& b) -> status {
      ++validations;
      if (reject_times.count(b.header.time_ms))
        return make_error(errc::invalid_input, "block time is before its parent's");
      return {};
    };
    cs = std::make_unique<consensus_state>(cfg, host, signer.get());
  }

  struct blk {
    std::string bytes, id;
  };
  blk block_by(size_t who, uint64_t h, uint64_t time) const {
    auto b = test::make_test_block(v.chain_id, h, time, v.ids[who].public_key());
    return {encode(b), block_id(b.header)};
  }

  consensus_actions propose(size_t who, uint64_t h, uint32_t r, const blk& b, int32_t pol = -1) {
    return cs->on_proposal(v.proposal_of(who, h, r, b.id, pol), b.bytes);
  }
  consensus_actions prevotes(std::vector<size_t> who, uint64_t h, uint32_t r, const std::string& id) {
    consensus_actions all;
    for (auto w : who)
      for (auto& a : cs->on_vote(v.prevote(w, h, r, id)))
        all.push_back(std::move(a));
    return all;
  }
  consensus_actions precommits(std::vector<size_t> who, uint64_t h, uint32_t r, const std::string& id) {
    consensus_actions all;
    for (auto w : who)
      for (auto& a : cs->on_vote(v.precommit(w, h, r, id)))
        all.push_back(std::move(a));
    return all;
  }
};

std::vector<vote> votes_in(const consensus_actions& acts) {
  std::vector<vote> out;
  for (const auto& b : all_of<broadcast_vote>(acts))
    out.push_back(b.v);
  return out;
}

bool has_timeout(const consensus_actions& acts, round_step s, uint32_t r) {
  for (const auto& t : all_of<schedule_timeout>(acts))
    if (t.step == s && t.round == r)
      return true;
  return false;
}

} // namespace

TEST_CASE("happy path: proposal, prevotes, precommits, decision in round 0", "[chain][consensus]") {
  node n;
  auto acts = n.cs->start_height(1, n.v.set);
  CHECK(has_timeout(acts, round_step::propose, 0));
  CHECK(count_of<broadcast_proposal>(acts) == 0);
  REQUIRE(n.v.proposer_of(1, 0) == 1);

  auto a = n.block_by(1, 1, 500);
  acts = n.propose(1, 1, 0, a);
  auto mine = votes_in(acts);
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].type == vote_type::prevote);
  CHECK(mine[0].block_id == a.id);
  CHECK(verify_vote(n.v.chain_id, mine[0]));
  CHECK(n.cs->step() == round_step::prevote);

  acts = n.prevotes({1}, 1, 0, a.id);
  CHECK(acts.empty());
  acts = n.prevotes({2}, 1, 0, a.id); // 3 of 4 prevotes: lock and precommit
  mine = votes_in(acts);
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].type == vote_type::precommit);
  CHECK(mine[0].block_id == a.id);
  CHECK(n.cs->locked_round() == 0);
  CHECK(n.cs->locked_block() == a.id);
  CHECK(n.cs->valid_block() == a.id);

  n.precommits({1}, 1, 0, a.id);
  acts = n.precommits({3}, 1, 0, a.id);
  auto d = all_of<decide>(acts);
  REQUIRE(d.size() == 1);
  CHECK(d[0].height == 1);
  CHECK(d[0].block_bytes == a.bytes);
  CHECK(d[0].cert.block_id == a.id);
  CHECK(d[0].cert.sigs.size() == 3);
  CHECK(verify_commit(n.v.chain_id, n.v.set, d[0].cert));
  CHECK(n.cs->decided());
  CHECK(n.validations == 1);
  // Late votes after the decision change nothing.
  CHECK(all_of<decide>(n.precommits({2}, 1, 0, a.id)).empty());
}

TEST_CASE("our own turn: the node proposes, prevotes its block, and decides", "[chain][consensus]") {
  node n;
  REQUIRE(n.v.proposer_of(4, 0) == 0);
  auto acts = n.cs->start_height(4, n.v.set);
  auto props = all_of<broadcast_proposal>(acts);
  REQUIRE(props.size() == 1);
  CHECK(props[0].p.round == 0);
  CHECK(props[0].p.pol_round == -1);
  CHECK(verify_proposal(n.v.chain_id, props[0].p));
  auto b = decode_block(props[0].block_bytes);
  REQUIRE(b);
  CHECK(block_id(b->header) == props[0].p.block_id);
  auto mine = votes_in(acts);
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].block_id == props[0].p.block_id);
  n.prevotes({1, 2}, 4, 0, props[0].p.block_id);
  acts = n.precommits({1, 2}, 4, 0, props[0].p.block_id);
  REQUIRE(count_of<decide>(acts) == 1);
}

TEST_CASE("proposer timeout: nil prevotes, nil precommits, round 1 with a longer timeout", "[chain][consensus]") {
  node n;
  auto acts = n.cs->start_height(1, n.v.set);
  auto t0 = all_of<schedule_timeout>(acts);
  REQUIRE(t0.size() == 1);
  acts = n.cs->on_timeout(1, 0, round_step::propose);
  auto mine = votes_in(acts);
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].type == vote_type::prevote);
  CHECK(mine[0].block_id.empty());
  // A stale or repeated timeout does nothing.
  CHECK(n.cs->on_timeout(1, 0, round_step::propose).empty());
  acts = n.prevotes({2, 3}, 1, 0, "");
  mine = votes_in(acts);
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].type == vote_type::precommit);
  CHECK(mine[0].block_id.empty());
  CHECK(has_timeout(acts, round_step::prevote, 0));
  acts = n.precommits({2, 3}, 1, 0, "");
  CHECK(has_timeout(acts, round_step::precommit, 0));
  CHECK(count_of<decide>(acts) == 0);
  acts = n.cs->on_timeout(1, 0, round_step::precommit);
  CHECK(n.cs->round() == 1);
  CHECK(n.cs->step() == round_step::propose);
  auto t1 = all_of<schedule_timeout>(acts);
  REQUIRE(t1.size() == 1);
  CHECK(t1[0].round == 1);
  CHECK(t1[0].delay_ms == n.cfg.propose_timeout_ms + n.cfg.propose_timeout_delta_ms);
  CHECK(t1[0].delay_ms > t0[0].delay_ms);
}

TEST_CASE("a lock is kept against a new proposal without a proof-of-lock, and moved by a newer one",
          "[chain][consensus]") {
  node n;
  n.cs->start_height(1, n.v.set);
  auto a = n.block_by(1, 1, 500);
  n.propose(1, 1, 0, a);
  n.prevotes({1, 2}, 1, 0, a.id); // we lock on A and precommit it
  REQUIRE(n.cs->locked_round() == 0);
  n.precommits({2, 3}, 1, 0, "");
  n.cs->on_timeout(1, 0, round_step::precommit);
  REQUIRE(n.cs->round() == 1);

  // Round 1: another block without a proof-of-lock -> nil prevote, lock unchanged.
  auto b = n.block_by(2, 1, 600);
  auto acts = n.propose(2, 1, 1, b);
  auto mine = votes_in(acts);
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].type == vote_type::prevote);
  CHECK(mine[0].block_id.empty());
  CHECK(n.cs->locked_block() == a.id);

  SECTION("the old lock stays through a nil round") {
    n.prevotes({1, 2}, 1, 1, "");
    n.precommits({1, 2}, 1, 1, "");
    n.cs->on_timeout(1, 1, round_step::precommit);
    CHECK(n.cs->round() == 2);
    CHECK(n.cs->locked_round() == 0);
    CHECK(n.cs->locked_block() == a.id);
  }

  SECTION("B gathers a proof-of-lock in round 1; its re-proposal in round 2 unlocks and relocks us") {
    // >2/3 prevotes for B in round 1. We saw round 1's proposal, so we relock on B right away in
    // round 1 (line 36) even though we prevoted nil: precommit B.
    acts = n.prevotes({1, 2, 3}, 1, 1, b.id);
    mine = votes_in(acts);
    REQUIRE(mine.size() == 1);
    CHECK(mine[0].type == vote_type::precommit);
    CHECK(mine[0].block_id == b.id);
    CHECK(n.cs->locked_round() == 1);
    CHECK(n.cs->locked_block() == b.id);
  }
}

TEST_CASE("a re-proposal with a newer proof-of-lock is prevoted despite the lock", "[chain][consensus]") {
  node n;
  n.cs->start_height(1, n.v.set);
  auto a = n.block_by(1, 1, 500);
  n.propose(1, 1, 0, a);
  n.prevotes({1, 2}, 1, 0, a.id);
  REQUIRE(n.cs->locked_block() == a.id);
  n.precommits({2, 3}, 1, 0, "");
  n.cs->on_timeout(1, 0, round_step::precommit);

  // Round 1: we never get its proposal; the others prevote B (a POL for B in round 1).
  auto b = n.block_by(2, 1, 600);
  n.cs->on_timeout(1, 1, round_step::propose); // nil prevote
  n.prevotes({1, 2, 3}, 1, 1, b.id);
  CHECK(n.cs->locked_block() == a.id); // no proposal for B seen: no lock change
  n.cs->on_timeout(1, 1, round_step::prevote);
  n.precommits({1, 2}, 1, 1, "");
  n.cs->on_timeout(1, 1, round_step::precommit);
  REQUIRE(n.cs->round() == 2);

  SECTION("without the proof-of-lock prevotes the re-proposal waits") {
    // A re-proposal citing round 0 as its POL round, where B had no prevotes, is not enough.
    auto acts = n.propose(3, 1, 2, b, 0);
    CHECK(votes_in(acts).empty());
    CHECK(n.cs->step() == round_step::propose);
  }
  SECTION("with it, prevote B, then lock on B in round 2") {
    REQUIRE(n.v.proposer_of(1, 2) == 3);
    auto acts = n.propose(3, 1, 2, b, 1);
    auto mine = votes_in(acts);
    REQUIRE(mine.size() == 1);
    CHECK(mine[0].type == vote_type::prevote);
    CHECK(mine[0].block_id == b.id);
    acts = n.prevotes({1, 3}, 1, 2, b.id);
    mine = votes_in(acts);
    REQUIRE(mine.size() == 1);
    CHECK(mine[0].type == vote_type::precommit);
    CHECK(n.cs->locked_round() == 2);
    CHECK(n.cs->locked_block() == b.id);
    acts = n.precommits({1, 3}, 1, 2, b.id);
    auto d = all_of<decide>(acts);
    REQUIRE(d.size() == 1);
    CHECK(d[0].block_bytes == b.bytes);
    CHECK(d[0].cert.round == 2);
  }
}

TEST_CASE("the proposer re-proposes its valid value with its proof-of-lock round", "[chain][consensus]") {
  node n;
  // Height 3: round 0 by validator 3, round 1 by us.
  REQUIRE(n.v.proposer_of(3, 1) == 0);
  n.cs->start_height(3, n.v.set);
  auto a = n.block_by(3, 3, 700);
  n.propose(3, 3, 0, a);
  n.prevotes({1, 3}, 3, 0, a.id);
  REQUIRE(n.cs->valid_block() == a.id);
  n.precommits({1, 3}, 3, 0, "");
  auto acts = n.cs->on_timeout(3, 0, round_step::precommit);
  auto props = all_of<broadcast_proposal>(acts);
  REQUIRE(props.size() == 1);
  CHECK(props[0].p.round == 1);
  CHECK(props[0].p.pol_round == 0);
  CHECK(props[0].p.block_id == a.id);
  CHECK(props[0].block_bytes == a.bytes);
  // ... and prevotes it (locked on it).
  auto mine = votes_in(acts);
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].block_id == a.id);
}

TEST_CASE("messages from more than 1/3 of the power in a higher round move the node there", "[chain][consensus]") {
  node n;
  n.cs->start_height(1, n.v.set);
  n.prevotes({1}, 1, 2, ""); // one of four: not enough
  CHECK(n.cs->round() == 0);
  auto acts = n.precommits({2}, 1, 2, "");
  CHECK(n.cs->round() == 2);
  CHECK(n.cs->step() == round_step::propose);
  CHECK(has_timeout(acts, round_step::propose, 2));
  // Our own turn comes at round 3: jumping there makes us propose at once.
  REQUIRE(n.v.proposer_of(1, 3) == 0);
  acts = n.prevotes({1, 3}, 1, 3, "");
  CHECK(n.cs->round() == 3);
  CHECK(count_of<broadcast_proposal>(acts) == 1);
  // Old-round timeouts are now stale.
  CHECK(n.cs->on_timeout(1, 0, round_step::propose).empty());
}

TEST_CASE("precommits of another round decide the height", "[chain][consensus]") {
  node n;
  n.cs->start_height(1, n.v.set);
  auto a = n.block_by(1, 1, 500);
  SECTION("an earlier round, while we are in a later one") {
    n.propose(1, 1, 0, a);
    n.cs->on_timeout(1, 0, round_step::prevote); // nothing (we are not in prevote wait)
    n.prevotes({2, 3}, 1, 0, "");                // we prevoted A, they nil: precommit nil
    n.precommits({2, 3}, 1, 1, "");              // f+1 in round 1: move there
    REQUIRE(n.cs->round() == 1);
    n.precommits({1}, 1, 0, a.id);
    n.precommits({2}, 1, 0, a.id);
    auto acts = n.precommits({3}, 1, 0, a.id);
    // 2 and 3 precommitted nil in round 1 but A in round 0 (this is a scripted network, not an
    // honest one); three precommits for A in round 0 are final whatever the round.
    auto d = all_of<decide>(acts);
    REQUIRE(d.size() == 1);
    CHECK(d[0].cert.round == 0);
  }
  SECTION("a later round, with its proposal") {
    auto c = n.block_by(3, 1, 900);
    REQUIRE(n.v.proposer_of(1, 2) == 3);
    n.propose(3, 1, 2, c);
    CHECK(n.cs->round() == 0); // the proposer alone is not > 1/3
    n.precommits({1, 2}, 1, 2, c.id);
    auto acts = n.precommits({3}, 1, 2, c.id);
    auto d = all_of<decide>(acts);
    REQUIRE(d.size() == 1);
    CHECK(d[0].block_bytes == c.bytes);
    CHECK(d[0].cert.round == 2);
    CHECK(verify_commit(n.v.chain_id, n.v.set, d[0].cert));
  }
  SECTION("precommits without the block wait for it, then a certificate with the block decides") {
    auto acts = n.precommits({1, 2, 3}, 1, 0, a.id);
    CHECK(count_of<decide>(acts) == 0);
    CHECK(n.cs->missing_commit_block() == a.id);
    commit_cert cert{1, 0, a.id, {}};
    for (size_t w : {1, 2, 3})
      cert.sigs.push_back({n.v.ids[w].public_key(), n.v.precommit(w, 1, 0, a.id).signature});
    acts = n.cs->on_commit(cert, a.bytes);
    REQUIRE(count_of<decide>(acts) == 1);
  }
}

TEST_CASE("conflicting votes produce evidence and are counted once", "[chain][consensus]") {
  node n;
  n.cs->start_height(1, n.v.set);
  auto a = n.block_by(1, 1, 500);
  auto b = n.block_by(1, 1, 501);
  n.prevotes({2}, 1, 0, a.id);
  CHECK(n.prevotes({2}, 1, 0, a.id).empty()); // duplicate
  CHECK(n.cs->last_ignored() == "duplicate vote");
  auto acts = n.prevotes({2}, 1, 0, b.id);
  auto ev = all_of<evidence_found>(acts);
  REQUIRE(ev.size() == 1);
  CHECK(verify_evidence(n.v.chain_id, n.v.set, ev[0].e));
  CHECK(ev[0].e.a.block_id == a.id);
  CHECK(ev[0].e.b.block_id == b.id);
  // Reported once; the third variant (nil) is not counted either.
  CHECK(all_of<evidence_found>(n.prevotes({2}, 1, 0, "")).empty());
  // Validator 2 counts for A only: with 1 and 3 for B there is no quorum for B.
  n.propose(1, 1, 0, b);
  // We prevoted B; with 1 that is two votes (2's B vote does not count, or this would be three).
  CHECK(votes_in(n.prevotes({1}, 1, 0, b.id)).empty());
  acts = n.prevotes({3}, 1, 0, b.id);
  auto mine = votes_in(acts);
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].type == vote_type::precommit);
  // Precommit equivocation too.
  n.precommits({3}, 1, 0, b.id);
  ev = all_of<evidence_found>(n.precommits({3}, 1, 0, a.id));
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].e.a.type == vote_type::precommit);
}

TEST_CASE("bad signatures, non-validators and wrong proposers are ignored", "[chain][consensus]") {
  node n;
  n.cs->start_height(1, n.v.set);
  auto a = n.block_by(1, 1, 500);
  auto v = n.v.prevote(1, 1, 0, a.id);
  v.signature[0] ^= 1;
  CHECK(n.cs->on_vote(v).empty());
  CHECK(n.cs->last_ignored().find("signature") != std::string::npos);
  auto stranger = node_identity::generate();
  vote s{vote_type::prevote, 1, 3, a.id, stranger.public_key(), {}};
  s.signature = stranger.sign(sign_bytes(n.v.chain_id, s));
  CHECK(n.cs->on_vote(s).empty());
  CHECK(n.cs->last_ignored().find("not a validator") != std::string::npos);
  // A vote from another chain.
  vote other{vote_type::prevote, 1, 0, a.id, n.v.ids[1].public_key(), {}};
  other.signature = n.v.ids[1].sign(sign_bytes("other-chain", other));
  CHECK(n.cs->on_vote(other).empty());
  // Proposal from validator 2, whose turn is round 1, not round 0.
  CHECK(n.propose(2, 1, 0, a).empty());
  CHECK(n.cs->last_ignored().find("not its proposer") != std::string::npos);
  // Proposal whose block bytes do not match its id.
  auto b = n.block_by(1, 1, 501);
  CHECK(n.cs->on_proposal(n.v.proposal_of(1, 1, 0, a.id), b.bytes).empty());
  CHECK(n.cs->on_proposal(n.v.proposal_of(1, 1, 0, a.id), "garbage").empty());
  auto p = n.v.proposal_of(1, 1, 0, a.id);
  p.signature[3] ^= 1;
  CHECK(n.cs->on_proposal(p, a.bytes).empty());
  // None of that moved anything; the real proposal still works.
  CHECK(n.cs->step() == round_step::propose);
  CHECK(n.validations == 0);
  auto mine = votes_in(n.propose(1, 1, 0, a));
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].block_id == a.id);
  // ... and a second, different proposal from the same proposer is ignored.
  CHECK(n.propose(1, 1, 0, b).empty());
}

TEST_CASE("a block the host rejects gets a nil prevote and is never decided", "[chain][consensus]") {
  node n;
  n.reject_times.insert(500);
  n.cs->start_height(1, n.v.set);
  auto a = n.block_by(1, 1, 500);
  auto acts = n.propose(1, 1, 0, a);
  auto mine = votes_in(acts);
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].block_id.empty());
  CHECK(n.cs->last_ignored().find("rejected") != std::string::npos);
  // Even >2/3 of precommits do not make this node accept a block it found invalid.
  CHECK(count_of<decide>(n.precommits({1, 2, 3}, 1, 0, a.id)) == 0);
  CHECK(n.validations == 1);
}

TEST_CASE("votes for the next height are buffered and count once it starts", "[chain][consensus]") {
  node n;
  n.cfg.max_future_votes = 3;
  n.open();
  n.cs->start_height(1, n.v.set);
  auto a = n.block_by(2, 2, 800);
  CHECK(n.cs->on_proposal(n.v.proposal_of(2, 2, 0, a.id), a.bytes).empty());
  n.prevotes({1, 3}, 2, 0, a.id);
  n.precommits({1}, 2, 0, a.id);
  CHECK(n.cs->buffered_messages() == 4);
  n.precommits({3}, 2, 0, a.id); // over the bound: dropped
  CHECK(n.cs->last_ignored().find("full") != std::string::npos);
  CHECK(n.cs->buffered_messages() == 4);
  n.prevotes({1}, 9, 0, a.id); // too far ahead
  CHECK(n.cs->buffered_messages() == 4);
  auto acts = n.cs->start_height(2, n.v.set);
  CHECK(n.cs->buffered_messages() == 0);
  // Proposal and prevotes replayed: we prevoted A, and with 1 and 3 that is > 2/3: precommit.
  auto mine = votes_in(acts);
  REQUIRE(mine.size() == 2);
  CHECK(mine[0].type == vote_type::prevote);
  CHECK(mine[1].type == vote_type::precommit);
  CHECK(mine[1].block_id == a.id);
  acts = n.precommits({3}, 2, 0, a.id);
  CHECK(count_of<decide>(acts) == 1);
}

TEST_CASE("a restarted node restores its votes and lock and cannot sign differently", "[chain][consensus]") {
  node n;
  n.cs->start_height(1, n.v.set);
  auto a = n.block_by(1, 1, 500);
  n.propose(1, 1, 0, a);
  n.prevotes({1, 2}, 1, 0, a.id);
  REQUIRE(n.cs->locked_block() == a.id);

  n.open(); // crash and restart: new signer and state machine over the same WAL
  auto acts = n.cs->start_height(1, n.v.set);
  auto mine = votes_in(acts);
  REQUIRE(mine.size() == 2); // both restored votes re-broadcast, identical to the first ones
  CHECK(mine[0].block_id == a.id);
  CHECK(mine[1].block_id == a.id);
  CHECK(n.cs->round() == 0);
  CHECK(n.cs->step() == round_step::precommit);
  CHECK(n.cs->locked_round() == 0);
  CHECK(n.cs->locked_block() == a.id);
  // A different proposal for round 0 cannot draw a second prevote out of us.
  auto b = n.block_by(1, 1, 501);
  CHECK(votes_in(n.propose(1, 1, 0, b)).empty());
  auto direct = n.signer->sign_vote(vote{vote_type::prevote, 1, 0, b.id, {}, {}});
  REQUIRE_FALSE(direct);
  CHECK(direct.err().code == errc::conflict);
  // Round 1 without a POL: the restored lock makes us prevote nil.
  n.precommits({2, 3}, 1, 0, "");
  n.cs->on_timeout(1, 0, round_step::precommit);
  mine = votes_in(n.propose(2, 1, 1, b));
  REQUIRE(mine.size() == 1);
  CHECK(mine[0].block_id.empty());
}

TEST_CASE("an observer without a signer follows and decides", "[chain][consensus]") {
  test::validators4 v;
  consensus_config cfg;
  cfg.chain_id = v.chain_id;
  consensus_state cs(cfg, consensus_host{}, nullptr);
  cs.start_height(1, v.set);
  auto b = test::make_test_block(v.chain_id, 1, 5, v.ids[1].public_key());
  auto id = block_id(b.header);
  CHECK(cs.on_proposal(v.proposal_of(1, 1, 0, id), encode(b)).empty());
  consensus_actions acts;
  for (size_t w : {1, 2, 3})
    acts = cs.on_vote(v.precommit(w, 1, 0, id));
  CHECK(count_of<decide>(acts) == 1);
}
