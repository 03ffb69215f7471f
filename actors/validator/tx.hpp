// Signed chain transactions: the wire form, the bytes the sender signs, and the typed bodies.
//
// Encoding (msgpack, fixed order, canonical): [type, sender, nonce, fee, args, signature]
//   type      u64       tx_type below (unknown types decode but are rejected by decode_body)
//   sender    bin 32    Ed25519 public key of the paying account
//   nonce     u64       must equal the account's nonce when the tx executes
//   fee       u64       base units, at least params.min_fee; goes to the era's staking pot
//   args      array     per type, see the body structs (u64, bin, str or nested arrays)
//   signature bin 64    Ed25519 by sender over msgpack
//                       ["mantle/tx", chain_id, type, sender, nonce, fee, args]
// tx_hash = chain::hash(encoded bytes). Decoding is strict: the bytes must be exactly the
// canonical encoding of what they decode to (msgpack allows several encodings of one integer),
// so a tx has one hash and cannot be re-wrapped into a second one.
//
// Adding a type: a number, a body struct, its case in tx.cpp (decode_body / args_of) and its
// handler in state_transition.cpp (the market's types 16..19 are handled in
// actors/market/market_rules.cpp).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "storage/result.hpp"

namespace mantle {
class node_identity;
}

namespace mantle::chain {

enum class tx_type : uint64_t {
  transfer = 1,          // [to: bin32, amount: u64]
  bond = 2,              // [amount: u64]            balance -> bonded
  unbond = 3,            // [amount: u64]            free bonded -> unbonding chunk
  withdraw_unbonded = 4, // []                       released chunks -> balance
  validate = 5,          // [commission_ppm: u64 ≤ 10^6, node_key: bin32 registered to sender]
  chill = 6,             // []                       stop being a candidate
  guarantee = 7,         // [target: bin32 candidate owner, amount: u64]  adds to the guarantee
  unguarantee = 8,       // [target: bin32]          whole guarantee back to free bonded
  register_node = 9,     // [node_key: bin32, node_signature: bin64 over register_node_sign_bytes]
  // 10..15 free for staking
  place_order = 16,      // [cid: bin ≤ 128, size: u64, proof_root: bin32, tips: u64]
  add_prepaid = 17,      // [cid: bin ≤ 128, amount: u64]
  work_report = 18,      // sender = node key: [slot, slot_hash: bin32, reserved_bytes, files_bytes,
                         //  reserved_root: bin32, files_root: bin32, added: [bin...], deleted: [bin...]]
  storage_proof = 19,    // sender = node key: [slot, answers: [[challenge_no: u64, proof: bin]...]]
};

// Largest CID (binary form) a market transaction accepts.
constexpr size_t max_cid_bytes = 128;

// "transfer", ... or nullptr for an unknown number.
const char* tx_type_name(uint64_t type);

// A generic argument, so the envelope (and its signature) does not depend on the type.
struct tx_arg {
  enum class kind : uint8_t { uint, bin, str, list };
  kind k = kind::uint;
  uint64_t u = 0;
  std::string s;           // bin or str
  std::vector<tx_arg> items; // list
  static tx_arg of(uint64_t v) { tx_arg a; a.k = kind::uint; a.u = v; return a; }
  static tx_arg bin(std::string v) { tx_arg a; a.k = kind::bin; a.s = std::move(v); return a; }
  static tx_arg str(std::string v) { tx_arg a; a.k = kind::str; a.s = std::move(v); return a; }
  bool operator==(const tx_arg& o) const { return k == o.k && u == o.u && s == o.s && items == o.items; }
};

struct signed_tx {
  uint64_t type = 0;
  std::string sender;
  uint64_t nonce = 0;
  uint64_t fee = 0;
  std::vector<tx_arg> args;
  std::string signature;
  bool operator==(const signed_tx& o) const {
    return type == o.type && sender == o.sender && nonce == o.nonce && fee == o.fee && args == o.args &&
           signature == o.signature;
  }
};

struct tx_limits {
  size_t max_tx_bytes = 65536; // the chain's params.max_tx_bytes overrides this in check/apply
  size_t max_args = 64;
  size_t max_items = 4096;     // all msgpack items together
  size_t max_depth = 4;        // nesting of the whole tx (args inside it count)
};

std::string encode(const signed_tx& tx);
// Strict decode of untrusted bytes: size, depth and item limits, exact field types and sizes,
// canonical encoding. Errors are errc::invalid_input and name the problem.
result<signed_tx> decode_tx(std::string_view bytes, const tx_limits& lim = {});
std::string tx_sign_bytes(std::string_view chain_id, const signed_tx& tx);
bool verify_tx(std::string_view chain_id, const signed_tx& tx);
std::string tx_hash(std::string_view encoded);

// What a node signs to let `owner` register it: msgpack ["mantle/register_node", chain_id, owner].
std::string register_node_sign_bytes(std::string_view chain_id, std::string_view owner);

namespace txs {
struct transfer { std::string to; uint64_t amount = 0; };
struct bond { uint64_t amount = 0; };
struct unbond { uint64_t amount = 0; };
struct withdraw_unbonded {};
struct validate { uint32_t commission_ppm = 0; std::string node_key; };
struct chill {};
struct guarantee { std::string target; uint64_t amount = 0; };
struct unguarantee { std::string target; };
struct register_node { std::string node_key; std::string node_signature; };
// Market and proofs (issue #6; rules in actors/market/market_rules.hpp). cid = cid::to_bytes().
struct place_order { std::string cid; uint64_t size = 0; std::string proof_root; uint64_t tips = 0; };
struct add_prepaid { std::string cid; uint64_t amount = 0; };
struct work_report {
  uint64_t slot = 0;
  std::string slot_hash; // 32 bytes
  uint64_t reserved_bytes = 0;
  uint64_t files_bytes = 0;
  std::string reserved_root; // 32 bytes
  std::string files_root;    // 32 bytes, market::files_root of the node's new set
  std::vector<std::string> added;
  std::vector<std::string> deleted;
};
struct proof_answer {
  uint64_t challenge_no = 0; // index into the node's challenge set of the slot
  std::string proof;         // proof::encode(segment_proof)
};
struct storage_proof { uint64_t slot = 0; std::vector<proof_answer> answers; };
} // namespace txs

using tx_body = std::variant<txs::transfer, txs::bond, txs::unbond, txs::withdraw_unbonded, txs::validate,
                             txs::chill, txs::guarantee, txs::unguarantee, txs::register_node,
                             txs::place_order, txs::add_prepaid, txs::work_report, txs::storage_proof>;

tx_type type_of(const tx_body& body);
std::vector<tx_arg> args_of(const tx_body& body);
// Typed view of a decoded tx: unknown type or wrong arguments are errc::invalid_input
// ("unknown transaction type 42", "transfer: amount is not an unsigned integer").
result<tx_body> decode_body(const signed_tx& tx);

// Builds and signs a tx (CLI, tests, tools).
signed_tx make_tx(const node_identity& sender, std::string_view chain_id, uint64_t nonce, uint64_t fee,
                  const tx_body& body);

} // namespace mantle::chain
