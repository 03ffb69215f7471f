// The chain state's tables: key layout and msgpack records (arrays, fixed field order; fields
// may only be appended). All tables share storage/state_db's `state` table, told apart by the
// first byte of the key; keys are that byte followed by raw 32-byte public keys.
//
//   'I'                      chain id (str)
//   'P'                      chain_params, [field...] in config/genesis.cpp's for_each_param order
//   'E'                      era_info
//   'V'                      validator set for the next height: [[node_key, power], ...] by key
//   'A' account              account           balance and nonce
//   'S' account              stake             bonded, guarantees, unbonding chunks
//   'C' owner                candidate         node key, commission
//   'N' node_key             node_record       owner account, storage power
//   'W' owner                u64               storage power of all the owner's nodes
//   'G' target guarantor     u64               guarantee amount (index of the stakes' guarantees)
//   'X' owner                exposure          elected validator's effective stakes this era
//   'B' owner                u64               blocks authored this era
//   'K' owner                u64               era in which the owner was slashed
//   'F' 'R' 'H' 'Q' 'L' 'Y' 'Z'                  the storage market: actors/market/market_rules.hpp
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/genesis.hpp"
#include "storage/result.hpp"

namespace mantle::chain {

struct account {
  uint64_t balance = 0; // free, spendable
  uint64_t nonce = 0;   // next tx nonce
  bool operator==(const account& o) const { return balance == o.balance && nonce == o.nonce; }
};

struct unbonding_chunk {
  uint64_t amount = 0;
  uint64_t release_height = 0; // withdrawable in blocks at this height or later
  bool operator==(const unbonding_chunk& o) const { return amount == o.amount && release_height == o.release_height; }
};

struct guarantee_entry {
  std::string target; // candidate owner
  uint64_t amount = 0;
  bool operator==(const guarantee_entry& o) const { return target == o.target && amount == o.amount; }
};

// An account's bonded funds. `bonded` counts everything still at stake (own stake plus
// guarantees); unbonding chunks are no longer at stake and not counted in it.
struct stake {
  uint64_t bonded = 0;
  std::vector<guarantee_entry> guarantees; // sorted by target, ≤ params.max_guarantee_targets
  std::vector<unbonding_chunk> unbonding;  // in order of release
  uint64_t guaranteed() const;
  // Bonded and not lent to a guarantee: the own stake of a candidate, and what unbond may take.
  uint64_t own() const { return bonded - guaranteed(); }
  bool empty() const { return bonded == 0 && guarantees.empty() && unbonding.empty(); }
};

struct candidate {
  std::string node_key;       // consensus key, registered to the owner
  uint32_t commission_ppm = 0; // taken from the validator's era reward before the pro-rata split
};

struct node_record {
  std::string owner;
  uint64_t storage_power = 0; // bytes
};

// Who backs an elected validator and with how much effective stake, fixed at its election:
// the era's rewards are split by these numbers.
struct exposure {
  std::string node_key;
  uint64_t total = 0; // own + all guarantors' effective stake = voting power
  uint64_t own = 0;
  uint32_t commission_ppm = 0;
  std::vector<std::pair<std::string, uint64_t>> guarantors; // (guarantor, effective stake), by key
};

struct era_info {
  uint64_t index = 0;        // era 0 starts at height 1
  uint64_t start_height = 1; // first block of the era
  uint64_t pot = 0;          // staking pot: fees, slashed funds, market share; paid out at era end
  uint64_t issuance = 0;     // all base units in existence (balances, stakes, unbonding, pot, and
                             // the market's pot schedule, reserve, file pools and prepaid)
  uint64_t last_reward = 0;  // base units paid out at the end of the previous era
};

namespace table {
constexpr char chain_id = 'I';
constexpr char params = 'P';
constexpr char era = 'E';
constexpr char validators = 'V';
constexpr char account = 'A';
constexpr char stake = 'S';
constexpr char candidate = 'C';
constexpr char node = 'N';
constexpr char owner_power = 'W';
constexpr char guarantee = 'G';
constexpr char exposure = 'X';
constexpr char authored = 'B';
constexpr char slashed = 'K';
} // namespace table

inline std::string key_of(char table, std::string_view a = {}, std::string_view b = {}) {
  std::string k(1, table);
  k.append(a);
  k.append(b);
  return k;
}

std::string encode(const account& a);
std::string encode(const stake& s);
std::string encode(const candidate& c);
std::string encode(const node_record& n);
std::string encode(const exposure& e);
std::string encode(const era_info& e);
std::string encode(const chain_params& p);
std::string encode_u64(uint64_t v);
std::string encode_validator_set(const std::vector<std::pair<std::string, uint64_t>>& set);

// Strict decoders: a malformed record is errc::corrupt naming the table.
result<account> decode_account(std::string_view bytes);
result<stake> decode_stake(std::string_view bytes);
result<candidate> decode_candidate(std::string_view bytes);
result<node_record> decode_node(std::string_view bytes);
result<exposure> decode_exposure(std::string_view bytes);
result<era_info> decode_era(std::string_view bytes);
result<chain_params> decode_params(std::string_view bytes);
result<uint64_t> decode_u64(std::string_view bytes);
result<std::vector<std::pair<std::string, uint64_t>>> decode_validator_set(std::string_view bytes);

} // namespace mantle::chain
