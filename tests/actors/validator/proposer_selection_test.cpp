#include <catch2/catch.hpp>

#include <map>

#include "actors/validator/proposer_selection.hpp"

using namespace mantle;
using namespace mantle::chain;

namespace {

std::string key(char c) { return std::string(key_size, c); }

validator_set make_set(std::vector<validator_info> v) {
  auto s = make_validator_set(std::move(v));
  REQUIRE(s);
  return *s;
}

} // namespace

TEST_CASE("equal powers rotate through every validator in turn", "[chain][proposer]") {
  auto set = make_set({{key('a'), 5}, {key('b'), 5}, {key('c'), 5}, {key('d'), 5}});
  proposer_schedule s(set);
  CHECK(s.period() == 4); // gcd reduction: 5,5,5,5 -> 1,1,1,1
  std::map<std::string, int> seen;
  for (uint64_t h = 1; h <= 4; ++h)
    seen[s.proposer(h, 0)]++;
  CHECK(seen.size() == 4);
  // A failed round hands the turn to the next validator in the rotation.
  CHECK(s.proposer(7, 1) == s.proposer(8, 0));
  CHECK(s.proposer(7, 0) != s.proposer(7, 1));
}

TEST_CASE("proposals are proportional to power over many heights", "[chain][proposer]") {
  auto set = make_set({{key('a'), 1}, {key('b'), 2}, {key('c'), 3}, {key('d'), 4}});
  proposer_schedule s(set);
  REQUIRE(s.period() == 10);
  std::map<std::string, uint64_t> count;
  for (uint64_t h = 1; h <= 10000; ++h)
    count[s.proposer(h, 0)]++;
  CHECK(count[key('a')] == 1000);
  CHECK(count[key('b')] == 2000);
  CHECK(count[key('c')] == 3000);
  CHECK(count[key('d')] == 4000);
  // Smooth: the heaviest validator never proposes more than twice in a row here.
  int run = 0, longest = 0;
  for (uint64_t h = 1; h <= 100; ++h) {
    run = s.proposer(h, 0) == s.proposer(h - 1, 0) ? run + 1 : 1;
    longest = std::max(longest, run);
  }
  CHECK(longest <= 2);
}

TEST_CASE("large stakes are scaled but stay proportional", "[chain][proposer]") {
  const uint64_t token = 1000000000ull;
  auto set = make_set({{key('a'), 1000003 * token + 7}, {key('b'), 2000011 * token}, {key('c'), 997 * token},
                       {key('d'), 3000017 * token + 1}});
  proposer_schedule s(set);
  CHECK(s.period() <= proposer_schedule::default_max_period + 4);
  std::map<std::string, uint64_t> count;
  const uint64_t n = s.period() * 3;
  for (uint64_t h = 0; h < n; ++h)
    count[s.proposer(h, 0)]++;
  double total = static_cast<double>(total_power(set));
  for (const auto& v : set) {
    double share = static_cast<double>(count[v.key]) / static_cast<double>(n);
    double want = static_cast<double>(v.power) / total;
    CHECK(std::abs(share - want) < 1.0 / static_cast<double>(proposer_schedule::default_max_period) + 1e-9);
    CHECK(count[v.key] >= 3); // the small one still gets its turns
  }
}

TEST_CASE("proposer selection is deterministic", "[chain][proposer]") {
  auto set = make_set({{key('q'), 17}, {key('r'), 5}, {key('s'), 9}, {key('t'), 1}, {key('u'), 30}});
  proposer_schedule a(set), b(set);
  for (uint64_t h = 0; h < 500; ++h)
    for (uint32_t r = 0; r < 3; ++r) {
      REQUIRE(a.proposer(h, r) == b.proposer(h, r));
      REQUIRE(select_proposer(set, h, r) == a.proposer(h, r));
    }
  // Huge heights and rounds do not overflow.
  CHECK_FALSE(a.proposer(UINT64_MAX, UINT32_MAX).empty());
  CHECK(proposer_schedule(validator_set{}).proposer(1, 0).empty());
}
