// The chain's wire and storage types: votes, proposals, commit certificates, double-sign
// evidence, block headers and blocks, with their canonical msgpack encodings (arrays with fixed
// field order, never maps) and the bytes each signature covers. Pure C++, no CAF: the consensus
// state machine, the state transition, the chain store and the validator actor share these.
//
// Hashes are BLAKE2b-256. Keys are Ed25519 public keys (32 bytes), signatures 64 bytes
// (storage/identity.hpp signs and verifies). Every signature covers a domain tag and the chain
// id, so a vote can never be replayed as a proposal or on another chain.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/result.hpp"

namespace mantle::chain {

constexpr size_t hash_size = 32;
constexpr size_t key_size = 32;
constexpr size_t sig_size = 64;

// BLAKE2b-256 of `bytes`, 32 raw bytes.
std::string hash(std::string_view bytes);
// Lower-case hex, for logs, JSON and CLI.
std::string to_hex(std::string_view bytes);
result<std::string> from_hex(std::string_view text);

enum class vote_type : uint8_t { prevote = 1, precommit = 2 };
const char* to_string(vote_type t);

struct vote {
  vote_type type = vote_type::prevote;
  uint64_t height = 0;
  uint32_t round = 0;
  std::string block_id;  // 32 bytes, or empty for a nil vote
  std::string validator; // public key
  std::string signature; // over sign_bytes(chain_id, vote)
  bool operator==(const vote& o) const {
    return type == o.type && height == o.height && round == o.round && block_id == o.block_id &&
           validator == o.validator && signature == o.signature;
  }
};

struct proposal {
  uint64_t height = 0;
  uint32_t round = 0;
  int32_t pol_round = -1; // round of the proof-of-lock the proposer re-proposes from; -1 if none
  std::string block_id;
  std::string proposer;
  std::string signature;
  bool operator==(const proposal& o) const {
    return height == o.height && round == o.round && pol_round == o.pol_round &&
           block_id == o.block_id && proposer == o.proposer && signature == o.signature;
  }
};

// One validator's precommit inside a certificate: the vote it signed is
// {precommit, cert.height, cert.round, cert.block_id, validator}.
struct commit_sig {
  std::string validator;
  std::string signature;
  bool operator==(const commit_sig& o) const { return validator == o.validator && signature == o.signature; }
};

// Proof that more than 2/3 of the voting power precommitted block_id at (height, round).
struct commit_cert {
  uint64_t height = 0;
  uint32_t round = 0;
  std::string block_id;
  std::vector<commit_sig> sigs;
  bool empty() const { return sigs.empty(); }
  bool operator==(const commit_cert& o) const {
    return height == o.height && round == o.round && block_id == o.block_id && sigs == o.sigs;
  }
};

// Two conflicting votes signed by one validator: same type, height and round, different
// block ids. Included in a block, it gets the validator slashed.
struct evidence {
  vote a;
  vote b;
  bool operator==(const evidence& o) const { return a == o.a && b == o.b; }
};

struct block_header {
  std::string chain_id;
  uint64_t height = 0;
  uint64_t time_ms = 0;        // proposer's clock, unix milliseconds; > the previous block's
  std::string prev_hash;       // id of block height-1 (empty at height 1)
  std::string last_commit_hash;// hash(encode(last_commit)) (empty cert at height 1)
  std::string txs_hash;        // txs_hash(txs)
  std::string evidence_hash;   // evidence_hash(evidence_list)
  std::string state_root;      // state commitment after executing blocks 1..height-1
  std::string proposer;        // public key
  bool operator==(const block_header& o) const {
    return chain_id == o.chain_id && height == o.height && time_ms == o.time_ms &&
           prev_hash == o.prev_hash && last_commit_hash == o.last_commit_hash &&
           txs_hash == o.txs_hash && evidence_hash == o.evidence_hash && state_root == o.state_root &&
           proposer == o.proposer;
  }
};

struct block {
  block_header header;
  std::vector<std::string> txs; // signed transactions, encoded (the state transition decodes them)
  std::vector<evidence> evidence_list;
  commit_cert last_commit;      // certificate of block height-1
};

struct validator_info {
  std::string key;    // public key
  uint64_t power = 0; // voting power (effective stake in base units, or 1 each in dev mode)
  bool operator==(const validator_info& o) const { return key == o.key && power == o.power; }
};

// Sorted by key, keys unique, every power > 0 (make_validator_set checks all three).
using validator_set = std::vector<validator_info>;
result<validator_set> make_validator_set(std::vector<validator_info> v);
uint64_t total_power(const validator_set& set);
const validator_info* find_validator(const validator_set& set, std::string_view key);
// True when `power` is more than 2/3 of `total` (exact integer arithmetic).
bool over_two_thirds(uint64_t power, uint64_t total);
// Hash committing to the set (keys and powers, in order).
std::string validator_set_hash(const validator_set& set);

// Bytes covered by signatures.
std::string sign_bytes(std::string_view chain_id, const vote& v);
std::string sign_bytes(std::string_view chain_id, const proposal& p);

// Limits for decoding untrusted bytes (a hostile length prefix must not allocate gigabytes).
struct decode_limits {
  size_t max_block_bytes = 16 * 1024 * 1024;
  size_t max_txs = 100000;
  size_t max_tx_bytes = 1024 * 1024;
  size_t max_evidence = 100;
  size_t max_sigs = 1000;
};

std::string encode(const vote& v);
std::string encode(const proposal& p);
std::string encode(const commit_cert& c);
std::string encode(const evidence& e);
std::string encode(const block_header& h);
std::string encode(const block& b);
result<vote> decode_vote(std::string_view bytes);
result<proposal> decode_proposal(std::string_view bytes);
result<commit_cert> decode_commit_cert(std::string_view bytes, const decode_limits& lim = {});
result<evidence> decode_evidence(std::string_view bytes);
result<block_header> decode_block_header(std::string_view bytes);
result<block> decode_block(std::string_view bytes, const decode_limits& lim = {});

// A block's id is the hash of its encoded header.
std::string block_id(const block_header& h);
std::string txs_hash(const std::vector<std::string>& txs);
std::string evidence_hash(const std::vector<evidence>& ev);
std::string commit_hash(const commit_cert& c);

// Header fields that commit to the body (txs, evidence, last commit) match it.
status check_body(const block& b);

// Signature checks (Ed25519).
bool verify_vote(std::string_view chain_id, const vote& v);
bool verify_proposal(std::string_view chain_id, const proposal& p);
// Every signature valid and from a distinct member of `set`, and together more than 2/3 of
// its power. Errors name what is wrong.
status verify_commit(std::string_view chain_id, const validator_set& set, const commit_cert& c);
// Both votes valid, same validator (a member of `set`), type, height and round, different
// block ids.
status verify_evidence(std::string_view chain_id, const validator_set& set, const evidence& e);

} // namespace mantle::chain
