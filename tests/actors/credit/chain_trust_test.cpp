#include <catch2/catch.hpp>

#include "actors/credit/chain_trust.hpp"
#include "storage/identity.hpp"

using namespace mantle;

namespace {

market::node_report proven_in(uint64_t slot) {
  market::node_report r;
  r.last_slot = slot;
  r.last_proven_slot = slot;
  return r;
}

} // namespace

TEST_CASE("a node is trusted when its work report was proven in one of the last 2 slots", "[credit][chain_trust]") {
  // The chain is in slot 10: slots 9 and 8 are the last two settled ones.
  CHECK(credit::recently_proven(proven_in(9), 10));
  CHECK(credit::recently_proven(proven_in(8), 10));
  CHECK_FALSE(credit::recently_proven(proven_in(7), 10));
  CHECK_FALSE(credit::recently_proven(proven_in(0), 10));
  CHECK_FALSE(credit::recently_proven(market::node_report{}, 10)); // never proven
  CHECK_FALSE(credit::recently_proven(market::node_report{}, 0));
  // A slot is only proven once settled; a record claiming the current slot or later is not trusted.
  CHECK_FALSE(credit::recently_proven(proven_in(10), 10));
  CHECK_FALSE(credit::recently_proven(proven_in(11), 10));
  // Reported (last_slot) but never proven does not count.
  market::node_report reported;
  reported.last_slot = 9;
  CHECK_FALSE(credit::recently_proven(reported, 10));
  // Slot 1: slot 0 was settled.
  CHECK(credit::recently_proven(proven_in(0), 1));
  CHECK(credit::recently_proven(proven_in(0), 2));
  CHECK_FALSE(credit::recently_proven(proven_in(0), 3));
}

TEST_CASE("chain-trusted peers are the peer ids of the recently proven node keys", "[credit][chain_trust]") {
  std::string a(32, '\x11'), b(32, '\x22'), c(32, '\x33');
  std::vector<std::pair<std::string, market::node_report>> reports{
    {a, proven_in(9)}, {b, proven_in(5)}, {c, proven_in(8)}, {"short key", proven_in(9)}};
  auto peers = credit::proven_peers(reports, 10);
  CHECK(peers == std::set<std::string>{peer_id::to_base58(peer_id::from_ed25519(a)), peer_id::to_base58(peer_id::from_ed25519(c))});
  CHECK(peer_id::to_base58(peer_id::from_ed25519(a)).rfind("12D3KooW", 0) == 0);
  CHECK(credit::proven_peers(reports, 11) == std::set<std::string>{peer_id::to_base58(peer_id::from_ed25519(a))});
  CHECK(credit::proven_peers({}, 10).empty());
}
