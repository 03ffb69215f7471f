// Storage order pricing (issue #6, DESIGN.md "Incentives"): the fee of an order, how it splits
// between the staking pot, the file's pool and the reserve, how the pot is paid out over eras,
// and what a file's pool pays each proving replica per slot. Pure integer arithmetic on u64
// base units: every overflow is refused with an error naming the term, nothing wraps.
//
// Fee:   fee = base + byte_fee_per_mib × ceil(size / MiB) + key_fee + tips
//        (size 0 counts as 0 MiB; 1 byte .. 1 MiB counts as 1 MiB).
// Split: market = byte part + key_fee (base and tips are not part of it)
//        pot      = floor(market × staking_share_ppm / 10^6)
//        pool     = floor(market × pool_share_ppm / 10^6) + tips
//        reserved = market − pot − floor(market × pool_share_ppm / 10^6) + base
//        Both floors round toward the reserve, and the base fee goes to the reserve, so
//        pot + pool + reserved == fee exactly, always.
// Pot:   paid in pot_eras equal parts floor(pot / pot_eras) over the eras after the order,
//        the remainder (pot mod pot_eras) added to the last era.
// Pool payout per slot: see slot_payout below.
#pragma once
#include <cstdint>
#include <vector>

#include "storage/result.hpp"

namespace mantle::market {

constexpr uint64_t mib = uint64_t{1} << 20;
constexpr uint32_t ppm_one = 1'000'000;

struct pricing_params {
  uint64_t base_fee = 1'000;            // flat per order: covers the transaction, not storage
  uint64_t byte_fee_per_mib = 100;      // per started MiB of declared size
  uint64_t key_fee = 500;               // per order (one key in the market state)
  uint32_t staking_share_ppm = 720'000; // 72% of byte + key fee to the staking pot
  uint32_t pool_share_ppm = 180'000;    // 18% of byte + key fee (plus tips) to the file's pool
  uint32_t pot_eras = 6;                // eras over which the pot share is paid out
};

// staking + pool shares at most 100%, at least one pot era.
status check(const pricing_params& p);

struct order_fee {
  uint64_t base = 0;
  uint64_t byte_part = 0; // byte_fee_per_mib × ceil(size / MiB)
  uint64_t key_fee = 0;
  uint64_t tips = 0;
  uint64_t total = 0;
};

// The whole fee of an order for `size` declared bytes plus `tips`; errors (invalid_input) on an
// invalid params set or on overflow, naming the term that overflowed.
result<order_fee> compute_fee(const pricing_params& p, uint64_t size, uint64_t tips);

struct fee_split {
  uint64_t staking_pot = 0;
  uint64_t pool = 0;     // includes all tips
  uint64_t reserved = 0; // includes the base fee and all rounding dust
};

// Splits a fee computed by compute_fee (same params). pot + pool + reserved == fee.total.
result<fee_split> split_fee(const pricing_params& p, const order_fee& fee);

// Amount of the pot paid in each of the `eras` following eras (index 0 = first era after the
// order): equal parts, the remainder in the last. Sums to `pot`. Empty when eras == 0.
std::vector<uint64_t> pot_schedule(uint64_t pot, uint32_t eras);
// One entry of pot_schedule without building the vector; 0 when era >= eras.
uint64_t pot_for_era(uint64_t pot, uint32_t eras, uint32_t era);

// What a file's pool pays for one slot. Each replica that proved the file in the slot is paid,
// at most max_replicas of them (which ones when more proved is the caller's rule, e.g. the
// earliest to take the order):
//   paid_replicas = min(proven_replicas, max_replicas)
//   per_replica   = floor(pool_balance / (remaining_slots × paid_replicas))
// remaining_slots counts the current slot (the slots of the order still to pay, >= 1). Paying
// that every slot spreads the pool evenly over the order's life; the floor dust stays in the
// pool and is spread again in later slots, or is left when the order ends. A slot where no
// replica proved pays nothing, so its share stays for the others. Nothing is paid when
// remaining_slots == 0 (expired order).
struct slot_payout {
  uint64_t per_replica = 0;
  uint32_t paid_replicas = 0;
  uint64_t total = 0; // per_replica × paid_replicas <= pool_balance
};
slot_payout pool_slot_payout(uint64_t pool_balance, uint64_t remaining_slots,
                             uint32_t proven_replicas, uint32_t max_replicas);

} // namespace mantle::market
