#include "config/genesis.hpp"

#include "storage/multibase.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace mantle::chain {
namespace {

using json = nlohmann::json;

error bad(const std::string& why) { return make_error(errc::invalid_input, "genesis: " + why); }

std::string hex(std::string_view bytes) { return multibase::base16_encode(bytes); }

result<std::string> key_from(const json& j, const char* field, const std::string& where) {
  if (!j.contains(field) || !j[field].is_string())
    return bad(where + ": \"" + field + "\" must be a 64-character hex string");
  auto s = j[field].get<std::string>();
  if (s.size() != 64)
    return bad(where + ": \"" + field + "\" must be 64 hex characters (a 32-byte key), found " +
               std::to_string(s.size()));
  auto out = multibase::base16_decode(s);
  if (!out)
    return bad(where + ": \"" + field + "\" is not hex");
  return *out;
}

result<uint64_t> u64_from(const json& j, const char* field, const std::string& where, bool required) {
  if (!j.contains(field)) {
    if (required)
      return bad(where + ": \"" + field + "\" is missing");
    return uint64_t{0};
  }
  const auto& v = j[field];
  if (!v.is_number_unsigned())
    return bad(where + ": \"" + field + "\" must be a non-negative integer");
  return v.get<uint64_t>();
}

template <class T>
status read_param(const json& p, const char* name, T& out) {
  if (!p.contains(name))
    return {};
  const auto& v = p[name];
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean())
      return bad(std::string("params.") + name + " must be true or false");
    out = v.get<bool>();
  } else {
    if (!v.is_number_unsigned())
      return bad(std::string("params.") + name + " must be a non-negative integer");
    uint64_t x = v.get<uint64_t>();
    if (x > std::numeric_limits<T>::max())
      return bad(std::string("params.") + name + " is too large");
    out = static_cast<T>(x);
  }
  return {};
}

} // namespace

bool chain_params::operator==(const chain_params& o) const {
  auto a = *this, b = o;
  std::vector<uint64_t> va, vb;
  for_each_param(a, [&](const char*, auto& v) { va.push_back(v); });
  for_each_param(b, [&](const char*, auto& v) { vb.push_back(v); });
  return va == vb;
}

status check_genesis(const genesis& g) {
  if (g.chain_id.empty() || g.chain_id.size() > 64)
    return bad("chain_id must be 1 to 64 characters");
  for (char c : g.chain_id)
    if (c < 0x21 || c > 0x7e)
      return bad("chain_id must be printable ASCII without spaces");
  const auto& p = g.params;
  if (p.era_blocks == 0 || p.slot_blocks == 0)
    return bad("params.era_blocks and params.slot_blocks must be at least 1");
  if (p.validator_count == 0)
    return bad("params.validator_count must be at least 1");
  if (p.author_share_ppm > 1000000 || p.slash_ppm > 1000000)
    return bad("params.author_share_ppm and params.slash_ppm are parts per million (at most 1000000)");
  if (p.max_guarantee_targets == 0 || p.max_guarantee_targets > 64)
    return bad("params.max_guarantee_targets must be 1 to 64");
  if (p.max_tx_bytes < 256)
    return bad("params.max_tx_bytes must be at least 256");
  if (p.max_unbonding_chunks == 0)
    return bad("params.max_unbonding_chunks must be at least 1");
  if (p.staking_share_ppm > 1000000 || p.pool_share_ppm > 1000000 ||
      uint64_t{p.staking_share_ppm} + p.pool_share_ppm > 1000000)
    return bad("params.staking_share_ppm + params.pool_share_ppm must be at most 1000000 (100%)");
  if (p.reserved_weight_ppm > 1000000)
    return bad("params.reserved_weight_ppm is parts per million (at most 1000000)");
  if (p.pot_eras == 0 || p.max_replicas == 0 || p.lost_after_failures == 0 || p.reserved_unit_bytes == 0 ||
      p.file_duration_blocks == 0)
    return bad("params.pot_eras, max_replicas, lost_after_failures, reserved_unit_bytes and "
               "file_duration_blocks must be at least 1");
  // Reserved space is challenged in 1 KiB proof segments (actors/prover/proof_tree.hpp).
  if (p.reserved_unit_bytes % 1024 != 0)
    return bad("params.reserved_unit_bytes must be a multiple of 1024 (the proof segment size)");
  if (g.validators.empty())
    return bad("at least one validator is needed");
  uint64_t supply = 0;
  auto add = [&](uint64_t x) {
    if (supply + x < supply)
      return false;
    supply += x;
    return true;
  };
  std::set<std::string> accounts, nodes, owners;
  for (const auto& a : g.accounts) {
    if (a.key.size() != 32)
      return bad("account key must be 32 bytes");
    if (!accounts.insert(a.key).second)
      return bad("account " + hex(a.key) + " listed twice");
    if (!add(a.balance))
      return bad("total supply overflows a u64");
  }
  for (const auto& v : g.validators) {
    if (v.owner.size() != 32 || v.node_key.size() != 32)
      return bad("validator owner and node key must be 32 bytes");
    if (!owners.insert(v.owner).second)
      return bad("validator owner " + hex(v.owner) + " listed twice");
    if (!nodes.insert(v.node_key).second)
      return bad("validator node key " + hex(v.node_key) + " listed twice");
    if (v.commission_ppm > 1000000)
      return bad("validator commission_ppm must be at most 1000000");
    if (!add(v.bonded))
      return bad("total supply overflows a u64");
  }
  return {};
}

result<genesis> parse_genesis(std::string_view text) {
  json j;
  try {
    j = json::parse(text.begin(), text.end());
  } catch (const std::exception& e) {
    return bad(std::string("not valid JSON (") + e.what() + ")");
  }
  if (!j.is_object())
    return bad("top level must be an object");
  genesis g;
  if (!j.contains("chain_id") || !j["chain_id"].is_string())
    return bad("\"chain_id\" must be a string");
  g.chain_id = j["chain_id"].get<std::string>();
  auto t = u64_from(j, "genesis_time_ms", "top level", false);
  if (!t)
    return t.err();
  g.genesis_time_ms = *t;
  if (j.contains("params")) {
    const auto& p = j["params"];
    if (!p.is_object())
      return bad("\"params\" must be an object");
    std::set<std::string> known;
    status st;
    for_each_param(g.params, [&](const char* name, auto& v) {
      known.insert(name);
      if (st)
        st = read_param(p, name, v);
    });
    if (!st)
      return st.err();
    for (auto it = p.begin(); it != p.end(); ++it)
      if (!known.count(it.key()))
        return bad("unknown parameter \"params." + it.key() + "\"");
  }
  if (j.contains("accounts")) {
    if (!j["accounts"].is_array())
      return bad("\"accounts\" must be an array");
    size_t i = 0;
    for (const auto& a : j["accounts"]) {
      std::string where = "accounts[" + std::to_string(i++) + "]";
      if (!a.is_object())
        return bad(where + " must be an object");
      auto key = key_from(a, "key", where);
      if (!key)
        return key.err();
      auto bal = u64_from(a, "balance", where, true);
      if (!bal)
        return bal.err();
      g.accounts.push_back({*key, *bal});
    }
  }
  if (!j.contains("validators") || !j["validators"].is_array())
    return bad("\"validators\" must be an array");
  size_t i = 0;
  for (const auto& v : j["validators"]) {
    std::string where = "validators[" + std::to_string(i++) + "]";
    if (!v.is_object())
      return bad(where + " must be an object");
    genesis_validator gv;
    auto owner = key_from(v, "owner", where);
    if (!owner)
      return owner.err();
    auto node = key_from(v, "node_key", where);
    if (!node)
      return node.err();
    auto bonded = u64_from(v, "bonded", where, true);
    if (!bonded)
      return bonded.err();
    auto power = u64_from(v, "storage_power", where, true);
    if (!power)
      return power.err();
    auto comm = u64_from(v, "commission_ppm", where, false);
    if (!comm)
      return comm.err();
    if (*comm > 1000000)
      return bad(where + ": commission_ppm must be at most 1000000");
    gv.owner = *owner;
    gv.node_key = *node;
    gv.bonded = *bonded;
    gv.storage_power = *power;
    gv.commission_ppm = static_cast<uint32_t>(*comm);
    g.validators.push_back(std::move(gv));
  }
  if (auto s = check_genesis(g); !s)
    return s.err();
  return g;
}

result<genesis> load_genesis(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(errc::not_found, "genesis: cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  auto g = parse_genesis(ss.str());
  if (!g)
    return make_error(g.err().code, path + ": " + g.err().message);
  return g;
}

std::string to_json(const genesis& g) {
  json j;
  j["chain_id"] = g.chain_id;
  j["genesis_time_ms"] = g.genesis_time_ms;
  json p = json::object();
  auto params = g.params;
  for_each_param(params, [&](const char* name, auto& v) { p[name] = static_cast<uint64_t>(v); });
  j["params"] = p;
  j["accounts"] = json::array();
  for (const auto& a : g.accounts)
    j["accounts"].push_back({{"key", hex(a.key)}, {"balance", a.balance}});
  j["validators"] = json::array();
  for (const auto& v : g.validators)
    j["validators"].push_back({{"owner", hex(v.owner)},
                               {"node_key", hex(v.node_key)},
                               {"bonded", v.bonded},
                               {"storage_power", v.storage_power},
                               {"commission_ppm", v.commission_ppm}});
  return j.dump(2) + "\n";
}

genesis dev_genesis(std::string_view node_key, std::string_view owner_key, uint64_t genesis_time_ms) {
  genesis g;
  g.chain_id = "mantle-dev";
  g.genesis_time_ms = genesis_time_ms;
  g.params.block_time_ms = 1000;
  g.params.slot_blocks = 10;
  g.params.era_blocks = 60;
  g.params.unbonding_blocks = 120;
  g.params.challenges_per_slot = 16;
  g.params.file_duration_blocks = 600;
  g.accounts.push_back({std::string(owner_key), 1000000 * base_units_per_token});
  genesis_validator v;
  v.owner = std::string(owner_key);
  v.node_key = std::string(node_key);
  v.bonded = 10000 * base_units_per_token;
  v.storage_power = 1024 * gib;
  v.commission_ppm = 100000;
  g.validators.push_back(std::move(v));
  return g;
}

} // namespace mantle::chain
