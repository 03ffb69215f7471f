// The market and prover actors' interfaces (issue #6), and the validator's raw state reads they
// use. Atoms are in messages/node_types.hpp.
//
// Validator ("validator"), read-only, each answered from one read transaction of the committed
// state, so the values are consistent with each other and with `height`:
//   (chain_read_atom, std::vector<std::string> keys)                  -> chain_read_reply
//   (chain_scan_atom, std::string prefix, std::string after, uint32_t limit) -> chain_scan_reply
//       keys starting with `prefix` and greater than `after` (empty: from the start), in key
//       order, at most `limit` (capped by the validator at 4096)
//   (chain_nonce_atom, std::string key) -> uint64_t: the account's next free nonce (its state
//       nonce plus its txs in this node's mempool), for a signer outside the validator (the
//       prover signs work reports and proofs with the node key)
//   order_request   -> tx hash (hex): place_order signed with a keystore account
//   prepaid_request -> tx hash (hex): add_prepaid signed with a keystore account
// Records are decoded with actors/market/market_rules.hpp (keys: actors/validator/state_tables.hpp).
//
// Prover ("prover"):
//   (prover_add_atom, std::string cid_bytes, uint64_t size) -> ok   a verified, pinned file to
//       claim in the next work report (from the market)
//   (prover_drop_atom, std::string cid_bytes) -> ok                  stop holding it
//   (prover_status_atom) -> std::string JSON
// Market ("market"):
//   (market_status_atom) -> std::string JSON: taken, fetching and abandoned orders with reasons
// Both follow the chain through node events on the local group "mantle.events".
#pragma once
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mantle {

constexpr const char* prover_name = "prover";
constexpr const char* market_name = "market";

struct chain_read_reply {
  uint64_t height = 0;               // committed height the values belong to
  std::vector<std::string> values;   // one per key, empty when absent
  std::vector<uint8_t> found;        // one per key: 1 present, 0 absent
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chain_read_reply& x) {
  return f(caf::meta::type_name("mantle::chain_read_reply"), x.height, x.values, x.found);
}

struct chain_scan_reply {
  uint64_t height = 0;
  std::vector<std::string> keys;
  std::vector<std::string> values;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chain_scan_reply& x) {
  return f(caf::meta::type_name("mantle::chain_scan_reply"), x.height, x.keys, x.values);
}

// place_order signed by a keystore account of this node (empty account = the first one).
struct order_request {
  std::string account;
  std::string cid;        // binary CID
  uint64_t size = 0;
  std::string proof_root; // 32 bytes
  uint64_t tips = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, order_request& x) {
  return f(caf::meta::type_name("mantle::order_request"), x.account, x.cid, x.size, x.proof_root, x.tips);
}

struct prepaid_request {
  std::string account;
  std::string cid; // binary CID
  uint64_t amount = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, prepaid_request& x) {
  return f(caf::meta::type_name("mantle::prepaid_request"), x.account, x.cid, x.amount);
}

} // namespace mantle
