// Order fee, its split, the pot schedule and the pool's per-slot payout, on worked examples
// computed by hand in the comments.
#include <catch2/catch.hpp>

#include <cstdint>
#include <numeric>

#include "actors/market/pricing.hpp"

using namespace mantle;
using namespace mantle::market;

namespace {

uint64_t sum(const std::vector<uint64_t>& v) { return std::accumulate(v.begin(), v.end(), uint64_t{0}); }

// Default params: base 1000, byte 100 / MiB, key 500, 72% / 18%, 6 eras.
void check_split_sums(const pricing_params& p, uint64_t size, uint64_t tips) {
  auto fee = compute_fee(p, size, tips);
  REQUIRE(fee.ok());
  auto s = split_fee(p, *fee);
  REQUIRE(s.ok());
  CHECK(s->staking_pot + s->pool + s->reserved == fee->total);
  CHECK(s->pool >= tips);
  CHECK(s->reserved >= fee->base);
}

} // namespace

TEST_CASE("default pricing params pass the check, bad shares and zero eras do not", "[market][pricing]") {
  pricing_params p;
  CHECK(p.staking_share_ppm == 720000);
  CHECK(p.pool_share_ppm == 180000);
  CHECK(check(p).ok());
  p.pool_share_ppm = 280001; // 72% + 28.0001% > 100%
  auto st = check(p);
  REQUIRE_FALSE(st.ok());
  CHECK(st.err().message.find("exceeds") != std::string::npos);
  CHECK_FALSE(compute_fee(p, 1, 0).ok());
  p.pool_share_ppm = 280000; // exactly 100% is allowed (nothing reserved but the base)
  CHECK(check(p).ok());
  p.pot_eras = 0;
  CHECK_FALSE(check(p).ok());
}

TEST_CASE("order fee: small sizes and ceil at MiB boundaries", "[market][pricing]") {
  pricing_params p;
  // size 0: 0 MiB -> 1000 + 0 + 500 = 1500
  auto f0 = compute_fee(p, 0, 0);
  REQUIRE(f0.ok());
  CHECK(f0->byte_part == 0);
  CHECK(f0->total == 1500);
  // 1 byte: ceil(1 / MiB) = 1 -> 1000 + 100 + 500 = 1600
  auto f1 = compute_fee(p, 1, 0);
  REQUIRE(f1.ok());
  CHECK(f1->byte_part == 100);
  CHECK(f1->total == 1600);
  // exactly 1 MiB is still 1 MiB -> 1600; one byte more is 2 MiB -> 1700
  CHECK(compute_fee(p, mib - 1, 0)->total == 1600);
  CHECK(compute_fee(p, mib, 0)->total == 1600);
  CHECK(compute_fee(p, mib + 1, 0)->total == 1700);
  CHECK(compute_fee(p, 2 * mib, 0)->total == 1700);
  CHECK(compute_fee(p, 2 * mib + 1, 0)->total == 1800);
}

TEST_CASE("order fee and split: 1 byte, worked by hand", "[market][pricing]") {
  pricing_params p;
  // fee 1600; market = byte 100 + key 500 = 600
  // pot = 600 × 0.72 = 432, pool = 600 × 0.18 = 108, reserved = 600 − 432 − 108 + base 1000 = 1060
  auto fee = compute_fee(p, 1, 0);
  REQUIRE(fee.ok());
  auto s = split_fee(p, *fee);
  REQUIRE(s.ok());
  CHECK(s->staking_pot == 432);
  CHECK(s->pool == 108);
  CHECK(s->reserved == 1060);
  CHECK(s->staking_pot + s->pool + s->reserved == 1600);
}

TEST_CASE("order fee and split: 10 GiB with tips, worked by hand", "[market][pricing]") {
  pricing_params p;
  // 10 GiB = 10240 MiB -> byte part 1,024,000; fee = 1000 + 1,024,000 + 500 + 77 = 1,025,577
  auto fee = compute_fee(p, uint64_t{10} << 30, 77);
  REQUIRE(fee.ok());
  CHECK(fee->byte_part == 1024000);
  CHECK(fee->total == 1025577);
  // market = 1,024,500; pot = 737,640; pool share = 184,410 (+ 77 tips = 184,487);
  // reserved = 1,024,500 − 737,640 − 184,410 + 1000 = 103,450
  auto s = split_fee(p, *fee);
  REQUIRE(s.ok());
  CHECK(s->staking_pot == 737640);
  CHECK(s->pool == 184487);
  CHECK(s->reserved == 103450);
  CHECK(s->staking_pot + s->pool + s->reserved == 1025577);
}

TEST_CASE("split rounding: floors go to the reserve", "[market][pricing]") {
  pricing_params p;
  p.base_fee = 0;
  p.key_fee = 0;
  p.byte_fee_per_mib = 1;
  // market 3: pot floor(2.16) = 2, pool floor(0.54) = 0, reserved 3 − 2 − 0 = 1
  auto fee = compute_fee(p, 3 * mib, 0);
  REQUIRE(fee.ok());
  auto s = split_fee(p, *fee);
  REQUIRE(s.ok());
  CHECK(s->staking_pot == 2);
  CHECK(s->pool == 0);
  CHECK(s->reserved == 1);
  // market 7: pot floor(5.04) = 5, pool floor(1.26) = 1, reserved 1; tips 3 all to the pool
  auto fee7 = compute_fee(p, 7 * mib, 3);
  auto s7 = split_fee(p, *fee7);
  REQUIRE(s7.ok());
  CHECK(s7->staking_pot == 5);
  CHECK(s7->pool == 4);
  CHECK(s7->reserved == 1);
}

TEST_CASE("split sums exactly over many sizes, tips and odd shares", "[market][pricing]") {
  pricing_params p;
  for (uint64_t size : {uint64_t{0}, uint64_t{1}, mib - 1, mib, mib + 1, uint64_t{123456789},
                        uint64_t{1} << 40, UINT64_MAX})
    for (uint64_t tips : {uint64_t{0}, uint64_t{1}, uint64_t{999}}) check_split_sums(p, size, tips);
  pricing_params odd;
  odd.base_fee = 7;
  odd.byte_fee_per_mib = 13;
  odd.key_fee = 11;
  odd.staking_share_ppm = 333333;
  odd.pool_share_ppm = 333333;
  for (uint64_t size = 0; size < 50 * mib; size += mib / 3 + 1) check_split_sums(odd, size, size % 5);
  // The largest market part: ppm products need 128 bits and still sum exactly.
  pricing_params huge;
  huge.base_fee = 0;
  huge.byte_fee_per_mib = 0;
  huge.key_fee = UINT64_MAX;
  check_split_sums(huge, 0, 0);
}

TEST_CASE("overflow is refused and names the term", "[market][pricing]") {
  pricing_params p;
  // UINT64_MAX bytes = 2^44 MiB (ceil); 2^20 per MiB makes 2^64
  p.byte_fee_per_mib = mib;
  auto r = compute_fee(p, UINT64_MAX, 0);
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::invalid_input);
  CHECK(r.err().message.find("byte fee") != std::string::npos);
  // 2^20 − 1 per MiB fits: (2^20 − 1) × 2^44 < 2^64
  p.byte_fee_per_mib = mib - 1;
  CHECK(compute_fee(p, UINT64_MAX, 0).ok());

  pricing_params q;
  auto tips = compute_fee(q, 1, UINT64_MAX - 1600 + 1); // 1600 + tips = 2^64
  REQUIRE_FALSE(tips.ok());
  CHECK(tips.err().message.find("tips") != std::string::npos);
  CHECK(compute_fee(q, 1, UINT64_MAX - 1600).ok()); // exactly UINT64_MAX

  q.key_fee = UINT64_MAX - 1100 + 1; // base 1000 + byte 100 + key = 2^64
  auto key = compute_fee(q, 1, 0);
  REQUIRE_FALSE(key.ok());
  CHECK(key.err().message.find("key fee") != std::string::npos);

  pricing_params b;
  b.base_fee = UINT64_MAX;
  auto base = compute_fee(b, 1, 0);
  REQUIRE_FALSE(base.ok());
  CHECK(base.err().message.find("base + byte fee") != std::string::npos);
}

TEST_CASE("split refuses a fee whose terms do not add up", "[market][pricing]") {
  pricing_params p;
  auto fee = compute_fee(p, 1, 0);
  REQUIRE(fee.ok());
  order_fee bad = *fee;
  bad.total += 1;
  CHECK_FALSE(split_fee(p, bad).ok());
}

TEST_CASE("pot schedule: equal parts, remainder last, sums to the pot", "[market][pricing]") {
  CHECK(pot_schedule(432, 6) == std::vector<uint64_t>{72, 72, 72, 72, 72, 72});
  // 1000 / 6 = 166 rem 4 -> 166 × 5 + 170
  CHECK(pot_schedule(1000, 6) == std::vector<uint64_t>{166, 166, 166, 166, 166, 170});
  CHECK(pot_schedule(5, 6) == std::vector<uint64_t>{0, 0, 0, 0, 0, 5});
  CHECK(pot_schedule(0, 3) == std::vector<uint64_t>{0, 0, 0});
  CHECK(pot_schedule(7, 1) == std::vector<uint64_t>{7});
  CHECK(pot_schedule(7, 0).empty());
  CHECK(pot_for_era(1000, 6, 6) == 0);
  for (uint64_t pot : {uint64_t{737640}, uint64_t{1}, UINT64_MAX})
    for (uint32_t eras : {1u, 2u, 6u, 7u, 365u}) {
      auto s = pot_schedule(pot, eras);
      REQUIRE(s.size() == eras);
      CHECK(sum(s) == pot);
      CHECK(s.back() - s.front() < eras); // the remainder is below the era count
      for (uint32_t e = 0; e < eras; ++e) CHECK(pot_for_era(pot, eras, e) == s[e]);
    }
}

TEST_CASE("pool payout per slot, worked by hand", "[market][pricing]") {
  // pool 184,487, 100 slots left, 3 replicas proved (max 4): 184,487 / 300 = 614 (rem 287)
  auto a = pool_slot_payout(184487, 100, 3, 4);
  CHECK(a.paid_replicas == 3);
  CHECK(a.per_replica == 614);
  CHECK(a.total == 1842);
  // 6 proved but at most 4 are paid: 184,487 / 400 = 461
  auto b = pool_slot_payout(184487, 100, 6, 4);
  CHECK(b.paid_replicas == 4);
  CHECK(b.per_replica == 461);
  CHECK(b.total == 1844);
  // last slot: pool 5 over 2 replicas -> 2 each, 1 dust stays
  auto c = pool_slot_payout(5, 1, 2, 4);
  CHECK(c.per_replica == 2);
  CHECK(c.total == 4);
  // nobody proved, or the order is over: nothing paid
  CHECK(pool_slot_payout(184487, 100, 0, 4).total == 0);
  CHECK(pool_slot_payout(184487, 0, 3, 4).total == 0);
  CHECK(pool_slot_payout(184487, 100, 3, 0).total == 0);
  // pool smaller than the shares: 0 each, all stays
  CHECK(pool_slot_payout(299, 100, 3, 4).total == 0);
  // no overflow on huge inputs
  auto h = pool_slot_payout(UINT64_MAX, UINT64_MAX, UINT32_MAX, UINT32_MAX);
  CHECK(h.per_replica == 0);
  auto h2 = pool_slot_payout(UINT64_MAX, 1, 1, 1);
  CHECK(h2.total == UINT64_MAX);
}

TEST_CASE("pool paid every slot drains to less than one unit per replica", "[market][pricing]") {
  // 1000 over 7 slots, 3 replicas proving every slot: each slot pays floor(b / (left × 3)) × 3.
  uint64_t pool = 1000, paid = 0;
  for (uint64_t left = 7; left >= 1; --left) {
    auto s = pool_slot_payout(pool, left, 3, 4);
    REQUIRE(s.total <= pool);
    pool -= s.total;
    paid += s.total;
  }
  CHECK(paid + pool == 1000);
  CHECK(pool < 3); // only the last slot's floor dust is left
  // With a slot nobody proved, that slot's share is spread over the remaining slots instead.
  uint64_t pool2 = 1000;
  for (uint64_t left = 7; left >= 1; --left) {
    auto s = pool_slot_payout(pool2, left, left == 4 ? 0 : 3, 4);
    pool2 -= s.total;
  }
  CHECK(pool2 < 3);
}
