// The validator actor's interface (actors/validator). Atoms are in messages/node_types.hpp.
//
// Registry name "validator". Between nodes (the sender must be the validator of a peer the
// peer actor authenticated; anything else is dropped), chain objects travel encoded
// (actors/validator/chain_types.hpp) and are decoded and checked by the receiver:
//   chain_proposal, chain_vote, chain_txs, chain_status       one-way gossip
//   (chain_blocks_atom, from, max) -> chain_block_batch         catch-up
// Local API (RPC routes, CLI through RPC); every answer is JSON text unless noted:
//   (chain_head_atom)                  -> head, consensus round, era
//   (chain_block_atom, uint64_t)       -> block at a height
//   (chain_tx_atom, std::string hash)  -> tx (raw 32-byte hash), its block and receipt
//   (chain_acct_atom, std::string key) -> account (raw key or keystore name): balance, stake
//   (chain_vals_atom)                  -> validator set and candidates
//   (chain_era_atom)                   -> era and chain parameters
//   (chain_submit_atom, std::string)   -> tx hash (hex): a signed tx, encoded
//   (chain_submit_atom, chain_txs)     -> JSON list, per tx in order {"Hash"} or {"Error"}
//   sign_request                       -> tx hash (hex): signed with a keystore account
//   (acct_new_atom, std::string name)  -> {"name","key"}; (acct_list_atom) -> [{"name","key"}]
// Errors are mantle errors (messages/errors.hpp) with a message a person can act on.
#pragma once
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mantle {

constexpr const char* validator_name = "validator";

struct chain_proposal {
  std::string proposal; // encoded chain::proposal
  std::string block;    // encoded chain::block
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chain_proposal& x) {
  return f(caf::meta::type_name("mantle::chain_proposal"), x.proposal, x.block);
}

struct chain_vote {
  std::string vote; // encoded chain::vote
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chain_vote& x) {
  return f(caf::meta::type_name("mantle::chain_vote"), x.vote);
}

struct chain_txs {
  std::vector<std::string> txs; // encoded signed txs
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chain_txs& x) {
  return f(caf::meta::type_name("mantle::chain_txs"), x.txs);
}

// A peer's head. Peers on another chain (another chain id) are dropped from the gossip.
struct chain_status {
  uint64_t height = 0; // the sender's head
  std::string id;
  std::string chain_id;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chain_status& x) {
  return f(caf::meta::type_name("mantle::chain_status"), x.height, x.id, x.chain_id);
}

struct chain_block_batch {
  std::vector<std::string> blocks; // encoded chain::block, consecutive heights
  std::vector<std::string> certs;  // encoded chain::commit_cert of each
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chain_block_batch& x) {
  return f(caf::meta::type_name("mantle::chain_block_batch"), x.blocks, x.certs);
}

// A transaction the node signs with one of its keystore accounts.
//   kind: transfer (target = recipient key hex, amount), bond/unbond (amount), withdraw,
//   validate (amount = commission in ppm; the node's own key becomes the validator key and is
//   registered first if needed), chill, guarantee (target = candidate owner key hex, amount),
//   unguarantee (target), register (this node's key for the account).
struct sign_request {
  std::string account; // keystore name or key hex; empty = the first account
  std::string kind;
  std::string target;
  uint64_t amount = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sign_request& x) {
  return f(caf::meta::type_name("mantle::sign_request"), x.account, x.kind, x.target, x.amount);
}

} // namespace mantle
