#include "actors/market/acceptance_policy.hpp"

#include <botan/hash.h>

#include <algorithm>
#include <array>

#include "actors/market/market_rules.hpp"

namespace mantle::market {
namespace {

void put_u32be(Botan::HashFunction& h, uint32_t v) {
  std::array<uint8_t, 4> b{uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
  h.update(b.data(), b.size());
}

void put_u64be(Botan::HashFunction& h, uint64_t v) {
  std::array<uint8_t, 8> b;
  for (int i = 7; i >= 0; --i, v >>= 8)
    b[size_t(i)] = uint8_t(v);
  h.update(b.data(), b.size());
}

void put_bytes(Botan::HashFunction& h, std::string_view s) {
  h.update(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

std::string bytes_text(uint64_t n) { return std::to_string(n) + " bytes"; }

} // namespace

const char* to_string(verdict v) {
  switch (v) {
  case verdict::take: return "take";
  case verdict::held: return "held";
  case verdict::fetching: return "fetching";
  case verdict::abandoned: return "abandoned";
  case verdict::lost_recently: return "lost_recently";
  case verdict::enough_replicas: return "enough_replicas";
  case verdict::near_expiry: return "near_expiry";
  case verdict::no_space: return "no_space";
  case verdict::busy: return "busy";
  case verdict::not_drawn: return "not_drawn";
  case verdict::declined: return "declined";
  }
  return "unknown";
}

uint64_t slots_left(uint64_t expiry_height, uint64_t height, uint64_t slot_blocks) {
  if (expiry_height <= height)
    return 0;
  uint64_t blocks = expiry_height - height;
  if (slot_blocks == 0)
    return blocks;
  return blocks / slot_blocks + (blocks % slot_blocks != 0 ? 1 : 0);
}

uint32_t take_draw(std::string_view node_key, std::string_view cid, uint64_t slot) {
  auto h = Botan::HashFunction::create_or_throw("BLAKE2b(256)");
  put_bytes(*h, "mantle/market-take/v1");
  put_u32be(*h, static_cast<uint32_t>(node_key.size()));
  put_bytes(*h, node_key);
  put_u32be(*h, static_cast<uint32_t>(cid.size()));
  put_bytes(*h, cid);
  put_u64be(*h, slot);
  auto digest = h->final();
  uint64_t u = 0;
  for (size_t i = 0; i < 8; ++i)
    u = (u << 8) | digest[i];
  return static_cast<uint32_t>((static_cast<unsigned __int128>(u) * ppm_one) >> 64);
}

decision decide(const file_view& f, const node_view& n, local_state local,
                std::optional<uint64_t> lost_slot, const policy_options& o) {
  uint64_t slot = slot_of(n.height, std::max<uint64_t>(1, n.slot_blocks));
  switch (local) {
  case local_state::held:
    return {verdict::held, "this node holds it already"};
  case local_state::fetching:
    return {verdict::fetching, "this node is fetching it"};
  case local_state::abandoned:
    return {verdict::abandoned, "abandoned earlier as a bad order"};
  case local_state::lost:
    if (lost_slot && slot < *lost_slot + o.lost_cooldown_slots)
      return {verdict::lost_recently, "this node lost its replica in slot " + std::to_string(*lost_slot) +
                                        "; not taken again before slot " +
                                        std::to_string(*lost_slot + o.lost_cooldown_slots)};
    break;
  case local_state::none:
    break;
  }
  if (f.replica_here)
    return {verdict::held, "this node is a replica already"};
  if (f.replicas >= n.max_replicas)
    return {verdict::enough_replicas, std::to_string(f.replicas) + " replicas, the most that are paid (" +
                                        std::to_string(n.max_replicas) + ")"};
  if (f.live) {
    uint64_t left = slots_left(f.expiry_height, n.height, n.slot_blocks);
    if (left < o.min_slots_left)
      return {verdict::near_expiry, "expires in " + std::to_string(left) + " slots (at height " +
                                      std::to_string(f.expiry_height) + "), fewer than " +
                                      std::to_string(o.min_slots_left)};
  }
  if (f.size > n.free_bytes)
    return {verdict::no_space, "file of " + bytes_text(f.size) + " does not fit in the " +
                                 bytes_text(n.free_bytes) + " of free capacity"};
  if (n.fetching >= o.max_fetches)
    return {verdict::busy, std::to_string(n.fetching) + " fetches running (at most " +
                             std::to_string(o.max_fetches) + ")"};
  uint32_t draw = take_draw(n.node_key, f.cid, slot);
  if (draw >= o.take_ppm)
    return {verdict::not_drawn, "draw " + std::to_string(draw) + " not below take-ppm " +
                                  std::to_string(o.take_ppm) + " in slot " + std::to_string(slot)};
  return {verdict::take, "draw " + std::to_string(draw) + " below take-ppm " + std::to_string(o.take_ppm) +
                           " in slot " + std::to_string(slot)};
}

uint64_t free_capacity(uint64_t configured, uint64_t disk_free, uint64_t margin, uint64_t held_bytes,
                       uint64_t fetching_bytes) {
  auto minus = [](uint64_t a, uint64_t b) { return a > b ? a - b : 0; };
  if (configured != 0)
    return minus(minus(configured, held_bytes), fetching_bytes);
  return minus(minus(disk_free, margin), fetching_bytes);
}

} // namespace mantle::market
