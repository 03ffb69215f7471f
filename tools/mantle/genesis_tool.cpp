#include "tools/mantle/genesis_tool.hpp"

#include <sys/stat.h>
#include <cerrno>
#include <cstring>

#include "storage/identity.hpp"
#include "storage/keystore.hpp"
#include "tools/mantle/amount.hpp"
#include "tools/mantle/chain_keys.hpp"

namespace mantle::cli {
namespace {

error bad(std::string msg) { return error{errc::invalid_input, std::move(msg)}; }

status make_dirs(const std::string& path) {
  std::string part;
  size_t at = 0;
  while (at != std::string::npos) {
    at = path.find('/', at + 1);
    part = path.substr(0, at);
    if (part.empty())
      continue;
    if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
      return error{errc::io_error, "cannot create directory " + part + ": " + std::strerror(errno)};
  }
  struct stat sb;
  if (::stat(path.c_str(), &sb) != 0 || !S_ISDIR(sb.st_mode))
    return error{errc::io_error, path + " is not a directory"};
  return status::success();
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t from = 0;
  for (;;) {
    auto at = s.find(sep, from);
    out.push_back(s.substr(from, at == std::string::npos ? std::string::npos : at - from));
    if (at == std::string::npos)
      return out;
    from = at + 1;
  }
}

} // namespace

result<keygen_result> keygen(const std::string& data_dir) {
  if (data_dir.empty())
    return bad("keygen needs a data directory");
  if (auto s = make_dirs(data_dir); !s)
    return s.err();
  keygen_result out;
  auto id = node_identity::load_or_create(data_dir + "/identity.key", &out.created_identity);
  if (!id)
    return id.err();
  auto ks = keystore::open(data_dir + "/keystore");
  if (!ks)
    return ks.err();
  const keystore::account* acct = ks->find("default");
  if (!acct) {
    auto created = ks->create("default");
    if (!created)
      return created.err();
    acct = *created;
    out.created_account = true;
  }
  out.node_key = id->public_key();
  out.owner = acct->key.public_key();
  out.peer_id = id->peer_id();
  return out;
}

result<chain::genesis> build_genesis(const genesis_request& req) {
  chain::genesis g;
  if (req.chain_id.empty())
    return bad("--chain-id is required (1-64 printable characters, e.g. mantle-testnet-1)");
  g.chain_id = req.chain_id;
  g.genesis_time_ms = req.genesis_time_ms;
  if (req.block_time_ms)
    g.params.block_time_ms = *req.block_time_ms;
  if (req.era_blocks)
    g.params.era_blocks = *req.era_blocks;
  if (req.slot_blocks)
    g.params.slot_blocks = *req.slot_blocks;
  if (req.unbonding_blocks)
    g.params.unbonding_blocks = *req.unbonding_blocks;
  if (req.validator_count) {
    if (*req.validator_count > UINT32_MAX)
      return bad("--validator-count is too large");
    g.params.validator_count = static_cast<uint32_t>(*req.validator_count);
  }
  for (const auto& spec : req.validators) {
    auto parts = split(spec, ':');
    if (parts.size() < 2 || parts.size() > 3)
      return bad("--validator '" + spec + "' is not NODE_KEY:OWNER_KEY[:BOND] (keys in hex, as `mantle chain keygen` prints them)");
    chain::genesis_validator v;
    auto node = parse_key_hex(parts[0], "--validator node key");
    if (!node)
      return node.err();
    auto owner = parse_key_hex(parts[1], "--validator owner key");
    if (!owner)
      return owner.err();
    v.node_key = *node;
    v.owner = *owner;
    v.bonded = default_validator_bond;
    if (parts.size() == 3) {
      auto b = parse_amount(parts[2]);
      if (!b)
        return bad("--validator bond: " + b.err().message);
      if (*b == 0)
        return bad("--validator '" + spec + "': the bond must be above 0");
      v.bonded = *b;
    }
    v.commission_ppm = default_commission_ppm;
    // 1 TiB, or enough GiB that the stake limit covers the bond.
    uint64_t gibs = 1024;
    if (g.params.stake_per_gib > 0)
      gibs = std::max<uint64_t>(gibs, v.bonded / g.params.stake_per_gib + 1);
    v.storage_power = gibs * chain::gib;
    g.validators.push_back(std::move(v));
  }
  for (const auto& spec : req.accounts) {
    auto colon = spec.find(':');
    if (colon == std::string::npos)
      return bad("--account '" + spec + "' is not KEY:AMOUNT (key in hex, amount in tokens or base units like 1500u)");
    auto key = parse_key_hex(spec.substr(0, colon), "--account key");
    if (!key)
      return key.err();
    auto amount = parse_amount(spec.substr(colon + 1));
    if (!amount)
      return bad("--account amount: " + amount.err().message);
    g.accounts.push_back({*key, *amount});
  }
  if (g.validators.empty())
    return bad("a genesis needs at least one --validator NODE_KEY:OWNER_KEY[:BOND]");
  if (auto s = chain::check_genesis(g); !s)
    return error{errc::invalid_input, s.err().message};
  return g;
}

} // namespace mantle::cli
