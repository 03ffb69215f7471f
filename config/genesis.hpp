// The chain's genesis: chain id, time, parameters, initial balances and validators, read from a
// JSON file (config/genesis.example.json documents every field) or built by dev_genesis() for a
// single-validator dev network. Pure data and parsing, no chain logic: the state transition
// (actors/validator/state_transition.hpp, init_genesis) turns it into state.
//
// JSON format (keys are 64 hex chars = 32-byte Ed25519 public keys; amounts are u64 base units,
// 10^9 per token, written as JSON integers):
// {
//   "chain_id": "mantle-test",          1..64 printable ASCII chars
//   "genesis_time_ms": 1767225600000,
//   "params": { ... chain_params fields by name; any omitted keeps its default ... },
//   "accounts": [ {"key": "<hex>", "balance": 1000000000000} ],
//   "validators": [ {"owner": "<hex>", "node_key": "<hex>", "bonded": 1000000000000,
//                    "storage_power": 1099511627776, "commission_ppm": 100000} ]
// }
// A validator's bonded amount is created bonded (on top of any balance in "accounts"); its node
// key is registered to the owner, its storage power set, and it is a candidate with the given
// commission. The initial set is elected from these candidates like at any era boundary.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/result.hpp"

namespace mantle::chain {

constexpr uint64_t base_units_per_token = 1000000000ull;
constexpr uint64_t gib = 1ull << 30;

struct chain_params {
  uint64_t block_time_ms = 6000;
  uint64_t slot_blocks = 600;          // work report slot (issue #6)
  uint64_t era_blocks = 3600;          // era boundary after every block whose height % era_blocks == 0
  uint64_t unbonding_blocks = 100800;  // unbonded funds are withdrawable this many blocks later (7 days at 6 s)
  uint32_t validator_count = 21;       // seats elected per era
  uint64_t stake_per_gib = 1000 * base_units_per_token; // stake limit per GiB of the owner's storage power
  uint64_t inflation_per_era = 1000 * base_units_per_token;
  uint32_t author_share_ppm = 200000;  // share of the era reward paid to block authors (parts per million)
  uint32_t slash_ppm = 100000;         // fraction of the offender's and its guarantors' stake slashed
  uint32_t max_guarantee_targets = 16;
  uint64_t min_fee = 1000;             // base units per tx
  uint64_t max_tx_bytes = 65536;
  uint32_t max_unbonding_chunks = 32;
  // Storage market and proofs (issue #6, actors/market/market_rules.hpp).
  uint32_t challenges_per_slot = 460;        // challenges per reporting node per slot
  uint32_t max_replicas = 8;                 // replicas a file's pool pays per slot (earliest first)
  uint64_t file_duration_blocks = 2592000;   // life of a file from going live (180 days at 6 s)
  uint64_t order_base_fee = 1000;            // market::pricing_params::base_fee
  uint64_t order_byte_fee_per_mib = 100;     // per started MiB of declared size
  uint64_t order_key_fee = 500;
  uint32_t staking_share_ppm = 720000;       // of byte + key fee, to the staking pot over pot_eras
  uint32_t pool_share_ppm = 180000;          // of byte + key fee (plus tips), to the file's pool
  uint32_t pot_eras = 6;
  uint32_t reserved_weight_ppm = 100000;     // weight of reserved bytes in storage power
  uint64_t reserved_unit_bytes = 1048576;    // reserved_bytes must be a multiple of this
  uint32_t lost_after_failures = 2;          // consecutive failed slots on a file -> replica lost
  uint64_t missed_report_slots = 8;          // a missed report zeroes storage power this many slots
  uint32_t max_report_files = 256;           // added + deleted entries per work report
  uint64_t max_file_bytes = uint64_t{1} << 40; // largest orderable size
  bool operator==(const chain_params& o) const;
};

// One list of (name, member) pairs drives parsing, printing, comparison and the state record
// (in this order: append new parameters at the end), so a new parameter is added in one place.
template <class F>
void for_each_param(chain_params& p, F&& f) {
  f("block_time_ms", p.block_time_ms);
  f("slot_blocks", p.slot_blocks);
  f("era_blocks", p.era_blocks);
  f("unbonding_blocks", p.unbonding_blocks);
  f("validator_count", p.validator_count);
  f("stake_per_gib", p.stake_per_gib);
  f("inflation_per_era", p.inflation_per_era);
  f("author_share_ppm", p.author_share_ppm);
  f("slash_ppm", p.slash_ppm);
  f("max_guarantee_targets", p.max_guarantee_targets);
  f("min_fee", p.min_fee);
  f("max_tx_bytes", p.max_tx_bytes);
  f("max_unbonding_chunks", p.max_unbonding_chunks);
  f("challenges_per_slot", p.challenges_per_slot);
  f("max_replicas", p.max_replicas);
  f("file_duration_blocks", p.file_duration_blocks);
  f("order_base_fee", p.order_base_fee);
  f("order_byte_fee_per_mib", p.order_byte_fee_per_mib);
  f("order_key_fee", p.order_key_fee);
  f("staking_share_ppm", p.staking_share_ppm);
  f("pool_share_ppm", p.pool_share_ppm);
  f("pot_eras", p.pot_eras);
  f("reserved_weight_ppm", p.reserved_weight_ppm);
  f("reserved_unit_bytes", p.reserved_unit_bytes);
  f("lost_after_failures", p.lost_after_failures);
  f("missed_report_slots", p.missed_report_slots);
  f("max_report_files", p.max_report_files);
  f("max_file_bytes", p.max_file_bytes);
}

struct genesis_account {
  std::string key; // 32 raw bytes
  uint64_t balance = 0;
};

struct genesis_validator {
  std::string owner;    // account key, 32 raw bytes
  std::string node_key; // consensus key, 32 raw bytes
  uint64_t bonded = 0;
  uint64_t storage_power = 0; // bytes
  uint32_t commission_ppm = 0;
};

struct genesis {
  std::string chain_id;
  uint64_t genesis_time_ms = 0;
  chain_params params;
  std::vector<genesis_account> accounts;
  std::vector<genesis_validator> validators;
};

// Checks ranges and consistency (key sizes, no duplicate accounts or node keys, non-zero era
// and validator count, ppm values ≤ 10^6, total supply fits in u64, at least one validator).
status check_genesis(const genesis& g);
result<genesis> parse_genesis(std::string_view json_text);
result<genesis> load_genesis(const std::string& path);
std::string to_json(const genesis& g); // pretty-printed, parse_genesis reads it back

// Single-validator dev network: chain id "mantle-dev", block time 1 s, slot 10, era 60 blocks,
// unbonding 120 blocks, 16 challenges per slot, files live 600 blocks; the owner holds 1 000 000 tokens free and 10 000 bonded, its node has
// 1 TiB of storage power (limit far above its bond).
genesis dev_genesis(std::string_view node_key, std::string_view owner_key, uint64_t genesis_time_ms = 0);

} // namespace mantle::chain
