#include <catch2/catch.hpp>

#include "actors/validator/chain_types.hpp"
#include "actors/validator/tx.hpp"
#include "storage/identity.hpp"

using namespace mantle;
using namespace mantle::chain;

namespace {
node_identity key(int i) { return *node_identity::from_seed(std::string(32, static_cast<char>(i))); }
} // namespace

TEST_CASE("every tx type round-trips through its encoding and verifies", "[chain][tx]") {
  auto alice = key(1), node = key(2);
  std::vector<tx_body> bodies = {
    txs::transfer{key(3).public_key(), 42},
    txs::bond{1000},
    txs::unbond{1},
    txs::withdraw_unbonded{},
    txs::validate{100000, node.public_key()},
    txs::chill{},
    txs::guarantee{key(3).public_key(), UINT64_MAX},
    txs::unguarantee{key(3).public_key()},
    txs::register_node{node.public_key(), node.sign(register_node_sign_bytes("c", alice.public_key()))},
    txs::place_order{std::string("\x01\x55\x12\x20") + std::string(32, 'c'), 123456, std::string(32, 'r'), 9},
    txs::add_prepaid{std::string(36, 'c'), 5000},
    txs::work_report{3, std::string(32, 'h'), 1 << 20, 77, std::string(32, 'a'), std::string(32, 'b'),
                     {std::string(36, 'x'), std::string(34, 'y')}, {std::string(36, 'z')}},
    txs::work_report{0, std::string(32, 'h'), 0, 0, std::string(32, 'a'), std::string(32, 'b'), {}, {}},
    txs::storage_proof{4, {{0, "proof bytes"}, {459, std::string(1700, 'p')}}},
  };
  for (const auto& b : bodies) {
    auto tx = make_tx(alice, "c", 7, 10, b);
    INFO(tx_type_name(tx.type));
    auto bytes = encode(tx);
    auto back = decode_tx(bytes);
    REQUIRE(back);
    CHECK(*back == tx);
    CHECK(verify_tx("c", *back));
    CHECK_FALSE(verify_tx("other", *back));
    auto body = decode_body(*back);
    REQUIRE(body);
    CHECK(body->index() == b.index());
    CHECK(args_of(*body) == args_of(b));
    CHECK(tx_hash(bytes) == hash(bytes));
  }
}

TEST_CASE("a tx's layout is the fixed array of the contract", "[chain][tx]") {
  auto alice = key(1);
  auto tx = make_tx(alice, "c", 1, 2, txs::bond{3});
  auto bytes = encode(tx);
  // fixarray(6), type 2, bin8(32) sender, nonce 1, fee 2, fixarray(1) [3], bin8(64) signature
  REQUIRE(bytes.size() == 1 + 1 + 2 + 32 + 1 + 1 + 2 + 2 + 64);
  CHECK(static_cast<uint8_t>(bytes[0]) == 0x96);
  CHECK(bytes[1] == 2);
  CHECK(static_cast<uint8_t>(bytes[2]) == 0xc4);
  CHECK(bytes.substr(4, 32) == alice.public_key());
  CHECK(bytes[36] == 1);
  CHECK(bytes[37] == 2);
  CHECK(static_cast<uint8_t>(bytes[38]) == 0x91);
  CHECK(bytes[39] == 3);
}

TEST_CASE("malformed txs are clear errors", "[chain][tx]") {
  auto alice = key(1);
  auto tx = make_tx(alice, "c", 1, 10, txs::transfer{key(3).public_key(), 5});
  auto bytes = encode(tx);
  CHECK_FALSE(decode_tx(""));
  CHECK_FALSE(decode_tx(bytes + "x"));
  CHECK_FALSE(decode_tx(bytes.substr(0, bytes.size() - 1)));
  CHECK(decode_tx("\x93\x01\x02\x03").err().message.find("6 fields") != std::string::npos);
  // Non-canonical: nonce 1 written as uint64 (0xcf + 8 bytes) instead of a fixint.
  std::string noncanon = bytes.substr(0, 36) + std::string("\xcf\0\0\0\0\0\0\0\x01", 9) + bytes.substr(37);
  auto nc = decode_tx(noncanon);
  REQUIRE_FALSE(nc);
  CHECK(nc.err().message.find("canonical") != std::string::npos);
  // Size limit.
  tx_limits small;
  small.max_tx_bytes = 64;
  CHECK(decode_tx(bytes, small).err().message.find("larger than 64") != std::string::npos);
  // Deep nesting of args is refused by the depth limit, not by the stack.
  auto deep = tx;
  tx_arg a = tx_arg::of(1);
  for (int i = 0; i < 10; ++i) {
    tx_arg l;
    l.k = tx_arg::kind::list;
    l.items.push_back(a);
    a = l;
  }
  deep.args = {a};
  CHECK_FALSE(decode_tx(encode(deep)));
  // Wrong field kinds.
  auto short_sender = tx;
  short_sender.sender = "abc";
  CHECK(decode_tx(encode(short_sender)).err().message.find("sender") != std::string::npos);
  // Unknown type decodes as an envelope but has no body.
  auto unknown = tx;
  unknown.type = 99;
  auto u = decode_tx(encode(unknown));
  REQUIRE(u);
  CHECK(decode_body(*u).err().message == "unknown transaction type 99");
  CHECK(tx_type_name(99) == nullptr);
  // Wrong arguments for a known type.
  auto bad_args = tx;
  bad_args.args[1] = tx_arg::bin("five");
  CHECK(decode_body(bad_args).err().message == "transfer: amount is not an unsigned integer");
  bad_args.args = {tx_arg::bin("short"), tx_arg::of(5)};
  CHECK(decode_body(bad_args).err().message.find("recipient must be 32 bytes") != std::string::npos);
  auto commission = make_tx(alice, "c", 1, 10, txs::validate{5, key(2).public_key()});
  commission.args[0] = tx_arg::of(1000001);
  CHECK(decode_body(commission).err().message.find("at most 1000000") != std::string::npos);
}

TEST_CASE("market tx bodies are checked field by field", "[chain][tx][market]") {
  auto n = key(2);
  auto body_error = [&](uint64_t type, std::vector<tx_arg> args) {
    signed_tx tx;
    tx.type = type;
    tx.sender = n.public_key();
    tx.args = std::move(args);
    auto b = decode_body(tx);
    REQUIRE_FALSE(b);
    return b.err().message;
  };
  CHECK(std::string(tx_type_name(16)) == "place_order");
  CHECK(std::string(tx_type_name(19)) == "storage_proof");
  CHECK(tx_type_name(20) == nullptr);
  std::string root(32, 'r');
  // A cid is 1..128 bytes.
  CHECK(body_error(16, {tx_arg::bin(""), tx_arg::of(1), tx_arg::bin(root), tx_arg::of(0)}).find("cid must be 1 to 128") !=
        std::string::npos);
  CHECK(body_error(16, {tx_arg::bin(std::string(129, 'c')), tx_arg::of(1), tx_arg::bin(root), tx_arg::of(0)})
            .find("found 129") != std::string::npos);
  CHECK(body_error(16, {tx_arg::bin("c"), tx_arg::of(1), tx_arg::bin("short"), tx_arg::of(0)}).find("proof root") !=
        std::string::npos);
  CHECK(body_error(17, {tx_arg::bin("c")}).find("expected 2 arguments") != std::string::npos);
  // work_report: added must be a list of cids.
  std::vector<tx_arg> wr = {tx_arg::of(1), tx_arg::bin(root), tx_arg::of(0), tx_arg::of(0),
                            tx_arg::bin(root), tx_arg::bin(root), tx_arg::of(5), tx_arg{}};
  wr[7].k = tx_arg::kind::list;
  CHECK(body_error(18, wr).find("added is not an array") != std::string::npos);
  wr[6] = wr[7];
  wr[6].items.push_back(tx_arg::of(3));
  CHECK(body_error(18, wr).find("added[0] is not binary") != std::string::npos);
  // storage_proof answers are [u64, bin] pairs.
  tx_arg answers;
  answers.k = tx_arg::kind::list;
  tx_arg pair;
  pair.k = tx_arg::kind::list;
  pair.items = {tx_arg::bin("x"), tx_arg::bin("y")};
  answers.items.push_back(pair);
  CHECK(body_error(19, {tx_arg::of(1), answers}).find("answers[0] must be [challenge_no") != std::string::npos);
}

TEST_CASE("a storage proof tx with a full-size answer fits the default limits", "[chain][tx][market]") {
  // 16 answers of the largest encoded proof stay under the default 64 KiB tx size and the
  // msgpack depth limit (tx → args → answers → pair).
  txs::storage_proof p{2, {}};
  for (uint64_t i = 0; i < 16; ++i)
    p.answers.push_back({i, std::string(1700, 'p')});
  auto bytes = encode(make_tx(key(2), "c", 0, 0, p));
  auto back = decode_tx(bytes);
  REQUIRE(back);
  auto body = decode_body(*back);
  REQUIRE(body);
  CHECK(std::get<txs::storage_proof>(*body).answers.size() == 16);
}
