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
