// Offline tooling for a multi-validator network (`mantle chain keygen`, `mantle chain genesis`):
// no node runs. keygen prepares a node's data dir the way mantled would (identity key, keystore
// account "default"), so the keys can go into a shared genesis before any node starts.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/genesis.hpp"
#include "storage/result.hpp"

namespace mantle::cli {

struct keygen_result {
  std::string node_key; // 32 raw bytes: DATA_DIR/identity.key, the node's consensus key
  std::string owner;    // 32 raw bytes: keystore account "default", the validator's owner
  std::string peer_id;  // 12D3KooW...
  bool created_identity = false;
  bool created_account = false;
};

// Creates DATA_DIR (mode 0700) when missing, loads or creates DATA_DIR/identity.key and the
// keystore account "default" in DATA_DIR/keystore. Existing keys are kept, never replaced.
result<keygen_result> keygen(const std::string& data_dir);

struct genesis_request {
  std::string chain_id;
  uint64_t genesis_time_ms = 0;
  std::optional<uint64_t> block_time_ms, era_blocks, slot_blocks, unbonding_blocks, validator_count;
  std::vector<std::string> validators; // NODEHEX:OWNERHEX[:BOND]  (bond in tokens or base units "u")
  std::vector<std::string> accounts;   // KEYHEX:AMOUNT
};

// Default bond of a --validator without one (the dev chain's), and its commission.
constexpr uint64_t default_validator_bond = 10000 * chain::base_units_per_token;
constexpr uint32_t default_commission_ppm = 100000;

// Builds and checks (check_genesis) the genesis; every problem is errc::invalid_input naming
// the flag at fault. Each validator gets storage power 1 TiB, or more when its bond needs a
// higher stake limit (params.stake_per_gib per GiB), so the whole bond counts.
result<chain::genesis> build_genesis(const genesis_request& req);

} // namespace mantle::cli
