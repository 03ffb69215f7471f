#include <catch2/catch.hpp>

#include "actors/validator/chain_types.hpp"
#include "storage/identity.hpp"

using namespace mantle;
using namespace mantle::chain;

namespace {

vote signed_vote(const node_identity& id, vote_type t, uint64_t h, uint32_t r, std::string block) {
  vote v{t, h, r, std::move(block), id.public_key(), {}};
  v.signature = id.sign(sign_bytes("test", v));
  return v;
}

block sample_block(const node_identity& proposer) {
  block b;
  b.header.chain_id = "test";
  b.header.height = 2;
  b.header.time_ms = 1700000000000;
  b.header.prev_hash = hash("block 1");
  b.header.state_root = hash("state");
  b.header.proposer = proposer.public_key();
  b.txs = {"tx one", std::string("tx\0two", 6)};
  b.last_commit.height = 1;
  b.last_commit.block_id = b.header.prev_hash;
  auto pc = signed_vote(proposer, vote_type::precommit, 1, 0, b.header.prev_hash);
  b.last_commit.sigs.push_back({pc.validator, pc.signature});
  b.header.txs_hash = txs_hash(b.txs);
  b.header.evidence_hash = evidence_hash(b.evidence_list);
  b.header.last_commit_hash = commit_hash(b.last_commit);
  return b;
}

} // namespace

TEST_CASE("BLAKE2b-256 matches the RFC 7693 style reference for 'abc'", "[chain][types]") {
  CHECK(to_hex(hash("abc")) == "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  CHECK(*from_hex("00ff10") == std::string("\x00\xff\x10", 3));
  CHECK_FALSE(from_hex("0g"));
  CHECK_FALSE(from_hex("abc"));
}

TEST_CASE("votes round-trip, verify, and fail on any changed field", "[chain][types]") {
  auto id = node_identity::generate();
  auto v = signed_vote(id, vote_type::prevote, 7, 2, hash("b"));
  auto back = decode_vote(encode(v));
  REQUIRE(back);
  CHECK(*back == v);
  CHECK(verify_vote("test", v));
  CHECK_FALSE(verify_vote("other-chain", v));
  auto w = v;
  w.round = 3;
  CHECK_FALSE(verify_vote("test", w));
  w = v;
  w.type = vote_type::precommit;
  CHECK_FALSE(verify_vote("test", w));
  auto nil = signed_vote(id, vote_type::precommit, 7, 2, "");
  CHECK(verify_vote("test", nil));
  CHECK(decode_vote(encode(nil)));
}

TEST_CASE("malformed votes and proposals are clear errors", "[chain][types]") {
  CHECK_FALSE(decode_vote(""));
  CHECK_FALSE(decode_vote("\x93\x01\x02\x03"));
  auto id = node_identity::generate();
  auto v = signed_vote(id, vote_type::prevote, 1, 0, hash("b"));
  auto bytes = encode(v);
  CHECK_FALSE(decode_vote(bytes + "x")); // trailing bytes
  CHECK_FALSE(decode_vote(bytes.substr(0, bytes.size() - 1)));
  v.block_id = "short";
  auto err = decode_vote(encode(v));
  REQUIRE_FALSE(err);
  CHECK(err.err().message.find("block id") != std::string::npos);
  proposal p{3, 1, 1, hash("x"), id.public_key(), {}};
  p.signature = id.sign(sign_bytes("test", p));
  CHECK_FALSE(decode_proposal(encode(p))); // proof-of-lock round must be before the round
  p.pol_round = 0;
  p.signature = id.sign(sign_bytes("test", p));
  auto pb = decode_proposal(encode(p));
  REQUIRE(pb);
  CHECK(*pb == p);
  CHECK(verify_proposal("test", p));
}

TEST_CASE("a block round-trips, its id covers the header and check_body the body", "[chain][types]") {
  auto id = node_identity::generate();
  auto b = sample_block(id);
  auto bytes = encode(b);
  auto back = decode_block(bytes);
  REQUIRE(back);
  CHECK(back->header == b.header);
  CHECK(back->txs == b.txs);
  CHECK(back->last_commit == b.last_commit);
  CHECK(check_body(*back));
  CHECK(block_id(back->header) == block_id(b.header));
  auto h2 = b.header;
  h2.time_ms++;
  CHECK(block_id(h2) != block_id(b.header));
  auto tampered = b;
  tampered.txs[0] = "tx 1";
  CHECK_FALSE(check_body(tampered));
  decode_limits tight;
  tight.max_txs = 1;
  CHECK_FALSE(decode_block(bytes, tight));
  tight = {};
  tight.max_block_bytes = 10;
  CHECK_FALSE(decode_block(bytes, tight));
  CHECK_FALSE(decode_block(bytes.substr(0, bytes.size() / 2)));
}

TEST_CASE("commit certificates need more than 2/3 of the power from distinct members", "[chain][types]") {
  std::vector<node_identity> ids;
  std::vector<validator_info> infos;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(node_identity::generate());
    infos.push_back({ids.back().public_key(), 10});
  }
  auto set = make_validator_set(infos);
  REQUIRE(set);
  commit_cert c{5, 0, hash("blk"), {}};
  auto add = [&](int i) {
    auto v = signed_vote(ids[i], vote_type::precommit, 5, 0, c.block_id);
    c.sigs.push_back({v.validator, v.signature});
  };
  add(0);
  add(1);
  CHECK_FALSE(verify_commit("test", *set, c)); // 20 of 40
  add(2);
  CHECK(verify_commit("test", *set, c)); // 30 of 40
  auto dup = c;
  dup.sigs.push_back(dup.sigs[0]);
  CHECK_FALSE(verify_commit("test", *set, dup));
  auto wrong_round = c;
  wrong_round.round = 1;
  CHECK_FALSE(verify_commit("test", *set, wrong_round));
  auto stranger = node_identity::generate();
  auto sv = signed_vote(stranger, vote_type::precommit, 5, 0, c.block_id);
  auto with_stranger = c;
  with_stranger.sigs.push_back({sv.validator, sv.signature});
  CHECK_FALSE(verify_commit("test", *set, with_stranger));
  auto back = decode_commit_cert(encode(c));
  REQUIRE(back);
  CHECK(*back == c);
  CHECK(over_two_thirds(3, 4));
  CHECK_FALSE(over_two_thirds(2, 3));
  CHECK(over_two_thirds(UINT64_MAX, UINT64_MAX));
}

TEST_CASE("validator sets are sorted, unique and powered", "[chain][types]") {
  auto a = node_identity::generate(), b = node_identity::generate();
  auto set = make_validator_set({{a.public_key(), 1}, {b.public_key(), 2}});
  REQUIRE(set);
  CHECK((*set)[0].key < (*set)[1].key);
  CHECK(total_power(*set) == 3);
  CHECK(find_validator(*set, b.public_key())->power == 2);
  CHECK(find_validator(*set, "nobody") == nullptr);
  CHECK_FALSE(make_validator_set({{a.public_key(), 1}, {a.public_key(), 2}}));
  CHECK_FALSE(make_validator_set({{a.public_key(), 0}}));
  CHECK_FALSE(make_validator_set({{"short", 1}}));
}

TEST_CASE("double-sign evidence is checked", "[chain][types]") {
  auto a = node_identity::generate(), b = node_identity::generate();
  auto set = *make_validator_set({{a.public_key(), 1}, {b.public_key(), 1}});
  evidence e{signed_vote(a, vote_type::prevote, 3, 1, hash("x")), signed_vote(a, vote_type::prevote, 3, 1, hash("y"))};
  CHECK(verify_evidence("test", set, e));
  auto back = decode_evidence(encode(e));
  REQUIRE(back);
  CHECK(*back == e);
  evidence same{e.a, e.a};
  CHECK_FALSE(verify_evidence("test", set, same));
  evidence other_round{e.a, signed_vote(a, vote_type::prevote, 3, 2, hash("y"))};
  CHECK_FALSE(verify_evidence("test", set, other_round));
  evidence two_people{e.a, signed_vote(b, vote_type::prevote, 3, 1, hash("y"))};
  CHECK_FALSE(verify_evidence("test", set, two_people));
  auto forged = e;
  forged.b.signature[0] ^= 1;
  CHECK_FALSE(verify_evidence("test", set, forged));
}
