#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "storage/vote_wal.hpp"
#include "tests/temp_dir.hpp"

using namespace mantle;

namespace {

wal_entry entry(uint64_t h, uint32_t r, uint8_t kind, std::string content) {
  return wal_entry{kind, h, r, content, "signed:" + content};
}

std::string read_file(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_file(const std::string& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << bytes;
}

} // namespace

TEST_CASE("vote log keeps entries across reopen and refuses a second entry per key", "[chain][wal]") {
  test::temp_dir dir("wal");
  auto path = dir.path + "/votes.wal";
  {
    auto w = vote_wal::open(path);
    REQUIRE(w);
    REQUIRE((*w)->append(entry(1, 0, 1, "a")));
    REQUIRE((*w)->append(entry(1, 0, 2, "a")));
    REQUIRE((*w)->append(entry(2, 3, 1, "")));
    auto again = (*w)->append(entry(1, 0, 1, "b"));
    REQUIRE_FALSE(again);
    CHECK(again.err().code == errc::conflict);
    // A second live handle on the same file is refused.
    auto second = vote_wal::open(path);
    REQUIRE_FALSE(second);
    CHECK(second.err().code == errc::unavailable);
  }
  auto w = vote_wal::open(path);
  REQUIRE(w);
  CHECK((*w)->recovery_note().empty());
  CHECK((*w)->size() == 3);
  REQUIRE((*w)->find(1, 0, 2));
  CHECK((*w)->find(1, 0, 2)->message == "signed:a");
  CHECK((*w)->at_height(1).size() == 2);
  CHECK_FALSE((*w)->append(entry(2, 3, 1, "x")));
}

TEST_CASE("vote log drops a torn last record and keeps the rest", "[chain][wal]") {
  test::temp_dir dir("wal");
  auto path = dir.path + "/votes.wal";
  auto full = encode_wal_record(entry(1, 0, 1, "a")) + encode_wal_record(entry(1, 0, 2, "a"));
  auto third = encode_wal_record(entry(1, 1, 1, "b"));
  // Every possible cut inside the third record, plus zero fill and a garbled checksum.
  std::vector<std::string> tails;
  for (size_t cut = 1; cut < third.size(); cut += 3)
    tails.push_back(third.substr(0, cut));
  tails.push_back(std::string(40, '\0'));
  auto garbled = third;
  garbled.back() ^= 0x55;
  tails.push_back(garbled);
  for (const auto& tail : tails) {
    write_file(path, full + tail);
    auto w = vote_wal::open(path);
    REQUIRE(w);
    CHECK_FALSE((*w)->recovery_note().empty());
    CHECK((*w)->size() == 2);
    CHECK_FALSE((*w)->find(1, 1, 1));
    // The file was cut back to whole records, so new appends stay readable.
    REQUIRE((*w)->append(entry(1, 1, 1, "c")));
    w->reset();
    auto again = vote_wal::open(path);
    REQUIRE(again);
    CHECK((*again)->recovery_note().empty());
    REQUIRE((*again)->find(1, 1, 1));
    CHECK((*again)->find(1, 1, 1)->content == "c");
  }
}

TEST_CASE("vote log refuses to start on damage before the last record", "[chain][wal]") {
  test::temp_dir dir("wal");
  auto path = dir.path + "/votes.wal";
  auto a = encode_wal_record(entry(1, 0, 1, "a"));
  auto b = encode_wal_record(entry(1, 0, 2, "a"));
  auto c = encode_wal_record(entry(1, 1, 1, "b"));
  SECTION("payload bit flip") {
    auto bad = b;
    bad[bad.size() - 2] ^= 1;
    write_file(path, a + bad + c);
  }
  SECTION("header bit flip") {
    auto bad = b;
    bad[5] ^= 1;
    write_file(path, a + bad + c);
  }
  auto w = vote_wal::open(path);
  REQUIRE_FALSE(w);
  CHECK(w.err().code == errc::corrupt);
  CHECK(w.err().message.find("byte " + std::to_string(a.size())) != std::string::npos);
}

TEST_CASE("vote log prunes old heights atomically", "[chain][wal]") {
  test::temp_dir dir("wal");
  auto path = dir.path + "/votes.wal";
  auto w = vote_wal::open(path);
  REQUIRE(w);
  for (uint64_t h = 1; h <= 5; ++h)
    REQUIRE((*w)->append(entry(h, 0, 1, "x")));
  REQUIRE((*w)->prune_below(4));
  CHECK((*w)->size() == 2);
  REQUIRE((*w)->append(entry(6, 0, 1, "y")));
  w->reset();
  auto again = vote_wal::open(path);
  REQUIRE(again);
  CHECK((*again)->size() == 3);
  CHECK((*again)->find(4, 0, 1));
  CHECK((*again)->find(6, 0, 1));
  CHECK_FALSE((*again)->find(3, 0, 1));
  CHECK(read_file(path).size() == 3 * encode_wal_record(entry(4, 0, 1, "x")).size());
}
