// Serving limits on want messages from peers, and the sending side's splitting that keeps our
// own messages within them.
#include <catch2/catch.hpp>

#include "actors/exchange/want_limits.hpp"
#include "storage/multihash.hpp"

using namespace mantle;
using namespace mantle::exchange;

namespace {

std::vector<cid> cids(size_t n) {
  std::vector<cid> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(cid{1, codec::raw, multihash::sha256("c" + std::to_string(i))});
  return out;
}

} // namespace

TEST_CASE("want messages over the CID limit or the pending limit are refused with the numbers",
          "[exchange][limits]") {
  want_limits lim;
  lim.max_cids = 4;
  lim.max_pending = 10;
  CHECK(refuse_reason(msg_kind::want_block, 4, 0, lim).empty());
  CHECK(refuse_reason(msg_kind::want_block, 4, 6, lim).empty());
  auto too_many = refuse_reason(msg_kind::want_block, 5, 0, lim);
  CHECK(too_many == "want-block message with 5 CIDs (the limit is 4 per message)");
  auto busy = refuse_reason(msg_kind::want_have, 3, 8, lim);
  CHECK(busy == "want-have message with 3 CIDs while 8 of its requests are still being answered (the limit is "
                "10 per peer)");
  // A cancel frees work: only its size is bounded.
  CHECK(refuse_reason(msg_kind::cancel, 4, 100, lim).empty());
  CHECK_FALSE(refuse_reason(msg_kind::cancel, 5, 0, lim).empty());
}

TEST_CASE("outgoing CIDs are split into messages within the limit, in order", "[exchange][limits]") {
  auto all = cids(10);
  auto parts = split_cids(all, 4);
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].size() == 4);
  CHECK(parts[1].size() == 4);
  CHECK(parts[2].size() == 2);
  std::vector<cid> joined;
  for (auto& p : parts)
    joined.insert(joined.end(), p.begin(), p.end());
  CHECK(joined == all);
  CHECK(split_cids(cids(4), 4).size() == 1);
  CHECK(split_cids(cids(3), 0).size() == 3); // a zero limit still makes progress
}
