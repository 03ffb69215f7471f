#include <catch2/catch.hpp>

#include <fstream>

#include "actors/validator/vote_signer.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using namespace mantle::chain;

TEST_CASE("signer never double-signs, even after a restart", "[chain][signer]") {
  test::temp_dir dir("signer");
  auto path = dir.path + "/votes.wal";
  auto id = node_identity::generate();
  std::string a = hash("block a"), b = hash("block b");
  vote pv{vote_type::prevote, 3, 1, a, {}, {}};
  vote first;
  {
    auto s = vote_signer::open(path, id, "test");
    REQUIRE(s);
    auto v = (*s)->sign_vote(pv);
    REQUIRE(v);
    CHECK(verify_vote("test", *v));
    first = *v;
    auto same = (*s)->sign_vote(pv);
    REQUIRE(same);
    CHECK(*same == first);
    auto other = pv;
    other.block_id = b;
    auto refused = (*s)->sign_vote(other);
    REQUIRE_FALSE(refused);
    CHECK(refused.err().code == errc::conflict);
    other.block_id.clear(); // nil is also a different vote
    CHECK_FALSE((*s)->sign_vote(other));
    proposal p{3, 1, -1, a, {}, {}};
    REQUIRE((*s)->sign_proposal(p));
    p.block_id = b;
    CHECK_FALSE((*s)->sign_proposal(p));
  }
  // "Restart": a new signer over the same file.
  auto s = vote_signer::open(path, id, "test");
  REQUIRE(s);
  auto other = pv;
  other.block_id = b;
  CHECK_FALSE((*s)->sign_vote(other));
  auto same = (*s)->sign_vote(pv);
  REQUIRE(same);
  CHECK(*same == first);
  CHECK_FALSE((*s)->sign_proposal(proposal{3, 1, -1, b, {}, {}}));
  CHECK((*s)->sign_proposal(proposal{3, 1, -1, a, {}, {}}));
  // A precommit is a different step: allowed.
  CHECK((*s)->sign_vote(vote{vote_type::precommit, 3, 1, b, {}, {}}));
  auto own = (*s)->own_votes(3);
  CHECK(own.size() == 2);
  CHECK((*s)->own_proposals(3).size() == 1);
  CHECK((*s)->own_votes(4).empty());
}

TEST_CASE("signer survives a torn last record", "[chain][signer]") {
  test::temp_dir dir("signer");
  auto path = dir.path + "/votes.wal";
  auto id = node_identity::generate();
  std::string a = hash("block a"), b = hash("block b");
  {
    auto s = vote_signer::open(path, id, "test");
    REQUIRE(s);
    REQUIRE((*s)->sign_vote(vote{vote_type::prevote, 1, 0, a, {}, {}}));
  }
  {
    // A crash in the middle of appending the precommit for b: half a record on disk.
    vote pc{vote_type::precommit, 1, 0, b, id.public_key(), {}};
    pc.signature = id.sign(sign_bytes("test", pc));
    auto rec = encode_wal_record(wal_entry{2, 1, 0, b, encode(pc)});
    std::ofstream f(path, std::ios::binary | std::ios::app);
    f << rec.substr(0, rec.size() / 2);
  }
  auto s = vote_signer::open(path, id, "test");
  REQUIRE(s);
  CHECK_FALSE((*s)->recovery_note().empty());
  CHECK((*s)->own_votes(1).size() == 1);
  // The prevote is still protected; the torn precommit was never released, so signing is fine.
  CHECK_FALSE((*s)->sign_vote(vote{vote_type::prevote, 1, 0, b, {}, {}}));
  CHECK((*s)->sign_vote(vote{vote_type::precommit, 1, 0, a, {}, {}}));
}
