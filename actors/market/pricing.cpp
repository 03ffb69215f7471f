#include "actors/market/pricing.hpp"

#include <string>

namespace mantle::market {

namespace {

error overflow(const char* term) {
  return make_error(errc::invalid_input, std::string("order fee overflows u64 in ") + term);
}

bool add_ok(uint64_t a, uint64_t b, uint64_t& out) { return !__builtin_add_overflow(a, b, &out); }

// floor(x × ppm / 10^6) without overflow; the result is <= x because ppm <= 10^6.
uint64_t ppm_of(uint64_t x, uint32_t ppm) {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(x) * ppm / ppm_one);
}

} // namespace

status check(const pricing_params& p) {
  if (uint64_t{p.staking_share_ppm} + p.pool_share_ppm > ppm_one)
    return make_error(errc::invalid_input,
                      "pricing: staking_share_ppm + pool_share_ppm exceeds 1000000 (100%): " +
                          std::to_string(p.staking_share_ppm) + " + " +
                          std::to_string(p.pool_share_ppm));
  if (p.pot_eras == 0)
    return make_error(errc::invalid_input, "pricing: pot_eras must be at least 1");
  return {};
}

result<order_fee> compute_fee(const pricing_params& p, uint64_t size, uint64_t tips) {
  if (auto st = check(p); !st) return st.err();
  order_fee f;
  f.base = p.base_fee;
  f.key_fee = p.key_fee;
  f.tips = tips;
  // ceil without the size + mib − 1 overflow near UINT64_MAX.
  uint64_t mibs = size / mib + (size % mib != 0 ? 1 : 0);
  if (__builtin_mul_overflow(p.byte_fee_per_mib, mibs, &f.byte_part))
    return overflow("byte fee (byte_fee_per_mib × ceil(size / MiB))");
  uint64_t t = 0;
  if (!add_ok(f.base, f.byte_part, t)) return overflow("base + byte fee");
  if (!add_ok(t, f.key_fee, t)) return overflow("key fee");
  if (!add_ok(t, f.tips, t)) return overflow("tips");
  f.total = t;
  return f;
}

result<fee_split> split_fee(const pricing_params& p, const order_fee& fee) {
  if (auto st = check(p); !st) return st.err();
  uint64_t market = 0, sum = 0;
  if (!add_ok(fee.byte_part, fee.key_fee, market)) return overflow("byte fee + key fee");
  if (!add_ok(market, fee.base, sum) || !add_ok(sum, fee.tips, sum) || sum != fee.total)
    return make_error(errc::invalid_input, "fee split: the fee's terms do not add up to its total");
  fee_split s;
  s.staking_pot = ppm_of(market, p.staking_share_ppm);
  uint64_t pool_share = ppm_of(market, p.pool_share_ppm);
  // pot + pool_share <= market because the shares sum to <= 10^6, so no underflow here and the
  // reserve (<= market + base <= total) cannot overflow; pool_share + tips <= total likewise.
  s.reserved = market - s.staking_pot - pool_share + fee.base;
  s.pool = pool_share + fee.tips;
  return s;
}

std::vector<uint64_t> pot_schedule(uint64_t pot, uint32_t eras) {
  std::vector<uint64_t> out;
  out.reserve(eras);
  for (uint32_t i = 0; i < eras; ++i) out.push_back(pot_for_era(pot, eras, i));
  return out;
}

uint64_t pot_for_era(uint64_t pot, uint32_t eras, uint32_t era) {
  if (eras == 0 || era >= eras) return 0;
  uint64_t part = pot / eras;
  return era + 1 == eras ? part + pot % eras : part;
}

slot_payout pool_slot_payout(uint64_t pool_balance, uint64_t remaining_slots,
                             uint32_t proven_replicas, uint32_t max_replicas) {
  slot_payout out;
  out.paid_replicas = proven_replicas < max_replicas ? proven_replicas : max_replicas;
  if (out.paid_replicas == 0 || remaining_slots == 0) {
    out.paid_replicas = 0;
    return out;
  }
  unsigned __int128 shares = static_cast<unsigned __int128>(remaining_slots) * out.paid_replicas;
  out.per_replica = static_cast<uint64_t>(pool_balance / shares);
  out.total = out.per_replica * out.paid_replicas; // <= pool_balance / remaining_slots
  return out;
}

} // namespace mantle::market
