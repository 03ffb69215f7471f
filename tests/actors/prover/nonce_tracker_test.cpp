// Nonces of the node's own txs: gaps left by failed or dropped txs are filled first, held txs
// behind a gap are forgotten, unknown holders are skipped for a few blocks.
#include <catch2/catch.hpp>

#include "actors/prover/nonce_tracker.hpp"

using namespace mantle::prover;

namespace {
nonce_tracker::sent_tx tx(const char* hash, nonce_tracker::kind k, uint64_t slot, std::vector<uint64_t> ch = {}) {
  nonce_tracker::sent_tx t;
  t.hash = hash;
  t.k = k;
  t.slot = slot;
  t.challenges = std::move(ch);
  return t;
}
} // namespace

TEST_CASE("nonce tracker: sequential sends, commits and the pending views", "[prover][nonce_tracker]") {
  nonce_tracker n;
  n.on_committed(5, 100);
  CHECK(n.next() == 5);
  n.sent(5, tx("r", nonce_tracker::kind::report, 3));
  n.sent(6, tx("p1", nonce_tracker::kind::proof, 3, {0, 1}));
  n.sent(7, tx("p2", nonce_tracker::kind::proof, 3, {2}));
  CHECK(n.next() == 8);
  CHECK(n.report_pending(3));
  CHECK_FALSE(n.report_pending(4));
  CHECK(n.answers_pending(3) == std::set<uint64_t>{0, 1, 2});
  REQUIRE(n.at_account_nonce());
  CHECK(n.at_account_nonce()->hash == "r");
  n.on_committed(7, 101); // report and first proof executed
  CHECK_FALSE(n.report_pending(3));
  CHECK(n.answers_pending(3) == std::set<uint64_t>{2});
  CHECK(n.next() == 8);
  n.on_committed(8, 102);
  CHECK(n.pending() == 0);
  CHECK(n.next() == 8);
}

TEST_CASE("nonce tracker: a lost tx frees its nonce, txs held behind the gap are forgotten", "[prover][nonce_tracker]") {
  nonce_tracker n;
  n.on_committed(0, 1);
  n.sent(0, tx("a", nonce_tracker::kind::report, 1));
  n.sent(1, tx("b", nonce_tracker::kind::proof, 1, {4}));
  n.lost(0); // failed in a block: the account's nonce stays 0
  CHECK(n.next() == 0);
  CHECK(n.answers_pending(1) == std::set<uint64_t>{4}); // until the next committed read
  n.on_committed(0, 2);
  CHECK(n.pending() == 0); // b can never run before nonce 0
  CHECK(n.next() == 0);
}

TEST_CASE("nonce tracker: a nonce taken by an earlier incarnation is skipped, then released", "[prover][nonce_tracker]") {
  nonce_tracker n;
  n.on_committed(3, 10);
  n.taken(3, 10);
  CHECK(n.next() == 4);
  n.sent(4, tx("x", nonce_tracker::kind::report, 2));
  CHECK(n.next() == 5);
  n.on_committed(3, 11);
  CHECK(n.next() == 5);
  n.on_committed(3, 10 + nonce_tracker::unknown_ttl); // the holder never ran: give up on it
  CHECK(n.pending() == 0); // and x was behind it
  CHECK(n.next() == 3);
  n.sent(2, tx("old", nonce_tracker::kind::proof, 2)); // below the account's nonce: ignored
  CHECK(n.pending() == 0);
}
