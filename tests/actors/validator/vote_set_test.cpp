#include <catch2/catch.hpp>

#include "actors/validator/vote_set.hpp"

using namespace mantle;
using namespace mantle::chain;

TEST_CASE("vote set counts power per block, ignores duplicates, reports conflicts", "[chain][votes]") {
  vote_set s(5, 1, vote_type::prevote, 10);
  auto v = [](char who, std::string id) {
    return vote{vote_type::prevote, 5, 1, std::move(id), std::string(key_size, who), std::string(sig_size, who)};
  };
  std::string a(hash_size, 'A'), b(hash_size, 'B');
  CHECK(s.add(v('1', a), 3) == vote_set::added::counted);
  CHECK(s.add(v('1', a), 3) == vote_set::added::duplicate);
  const vote* first = nullptr;
  CHECK(s.add(v('1', b), 3, &first) == vote_set::added::conflicting);
  REQUIRE(first);
  CHECK(first->block_id == a);
  CHECK(s.power_for(a) == 3);
  CHECK(s.power_for(b) == 0);
  CHECK(s.add(v('2', a), 3) == vote_set::added::counted);
  CHECK_FALSE(s.two_thirds_majority());
  CHECK_FALSE(s.two_thirds_any());
  CHECK(s.add(v('3', ""), 1) == vote_set::added::counted);
  CHECK(s.two_thirds_any()); // 7 of 10
  CHECK_FALSE(s.two_thirds_majority());
  CHECK(s.add(v('4', a), 1) == vote_set::added::counted);
  REQUIRE(s.two_thirds_majority());
  CHECK(*s.two_thirds_majority() == a);
  auto c = s.make_cert(a);
  CHECK(c.sigs.size() == 3);
  CHECK(c.height == 5);
  CHECK(c.round == 1);
}
