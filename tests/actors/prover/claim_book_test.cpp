// The prover's pending claims survive a reopen, are forgotten once the chain shows them, and a
// damaged file is an error rather than an empty book.
#include <catch2/catch.hpp>

#include <fstream>

#include "actors/prover/claim_book.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;
using namespace mantle::prover;

namespace {
std::string cid_of(char c) { return std::string("\x01\x55\x12\x20", 4) + std::string(32, c); }
} // namespace

TEST_CASE("claim book: adds and drops persist across a reopen", "[prover][claim_book]") {
  test::temp_dir dir("mantle-claims");
  std::string path = dir.path + "/claims";
  {
    auto b = claim_book::open(path);
    REQUIRE(b);
    CHECK(b->adds().empty());
    REQUIRE(b->add(cid_of('a'), 100, 3));
    REQUIRE(b->add(cid_of('b'), 200, 4));
    REQUIRE(b->drop(cid_of('c')));
    REQUIRE(b->drop(cid_of('b'))); // a drop cancels the pending add
  }
  auto b = claim_book::open(path);
  REQUIRE(b);
  REQUIRE(b->adds().size() == 1);
  CHECK(b->adds().at(cid_of('a')).size == 100);
  CHECK(b->adds().at(cid_of('a')).since_slot == 3);
  CHECK(b->drops() == std::set<std::string>{cid_of('b'), cid_of('c')});
  // Adding again after a drop takes the drop back.
  REQUIRE(b->add(cid_of('c'), 300, 9));
  CHECK(b->drops() == std::set<std::string>{cid_of('b')});
  auto c = b->claims();
  CHECK(c.adds.size() == 2);
  CHECK(c.adds.at(cid_of('c')) == 300);

  CHECK_FALSE(b->add("", 1, 0));
  CHECK_FALSE(b->drop(std::string(129, 'x')));
}

TEST_CASE("claim book: reconcile forgets what the chain shows and orders that never came", "[prover][claim_book]") {
  test::temp_dir dir("mantle-claims");
  auto b = claim_book::open(dir.path + "/claims");
  REQUIRE(b);
  REQUIRE(b->add(cid_of('a'), 100, 1));  // now in the chain's set
  REQUIRE(b->add(cid_of('b'), 200, 1));  // no record, old: given up
  REQUIRE(b->add(cid_of('c'), 300, 1));  // has a record: waits
  REQUIRE(b->add(cid_of('d'), 400, 12)); // no record, recent: waits
  REQUIRE(b->drop(cid_of('e')));         // still in the set: stays
  REQUIRE(b->drop(cid_of('f')));         // gone from the set: done
  std::vector<std::pair<std::string, uint64_t>> set{{cid_of('a'), 100}, {cid_of('e'), 5}};
  auto gone = b->reconcile(set, 10, {cid_of('c')});
  REQUIRE(gone);
  CHECK(*gone == std::vector<std::string>{cid_of('b')});
  CHECK(b->adds().size() == 2);
  CHECK(b->adds().count(cid_of('c')) == 1);
  CHECK(b->adds().count(cid_of('d')) == 1);
  CHECK(b->drops() == std::set<std::string>{cid_of('e')});
  auto again = claim_book::open(dir.path + "/claims");
  REQUIRE(again);
  CHECK(again->adds().size() == 2);
  CHECK(again->drops().size() == 1);
}

TEST_CASE("claim book: a damaged file is reported as corrupt", "[prover][claim_book]") {
  test::temp_dir dir("mantle-claims");
  std::string path = dir.path + "/claims";
  {
    std::ofstream f(path, std::ios::binary);
    f << "\x93\x01\x91\x93"; // truncated
  }
  auto b = claim_book::open(path);
  REQUIRE_FALSE(b);
  CHECK(b.err().code == errc::corrupt);
  {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    std::string wrong_version = claim_book::encode({}, {});
    wrong_version[1] = 2;
    f << wrong_version;
  }
  auto v = claim_book::open(path);
  REQUIRE_FALSE(v);
  CHECK(v.err().message.find("version") != std::string::npos);
}
