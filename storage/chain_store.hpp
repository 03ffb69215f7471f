// The committed chain on disk: every block with the commit certificate that finalized it, in
// LMDB. A block is stored only as the next one (height head+1, prev_hash = head id) and in ONE
// write transaction with its certificate, its id and height entries, its tx index and any meta
// updates the caller passes, so a crash leaves either all of a block or none of it.
//
// Tables (named LMDB databases, keys fixed-width big-endian so heights sort numerically):
//   chain_blocks  height (u64 BE)  -> msgpack [id, hash(block bytes), block bytes, cert bytes]
//   chain_ids     block id         -> height (u64 BE)
//   chain_txs     tx hash          -> msgpack [height, index]   (first inclusion wins)
//   chain_head    "head"           -> msgpack [height, id]
//   chain_meta    caller key       -> caller bytes (last state root, genesis hash, ...)
// Records are msgpack arrays whose fields may only be appended. Every read checks the record's
// shape and the block bytes against their stored hash, so garbage in the database is
// errc::corrupt naming the height, never a crash or a wrong block.
//
// Writes come from one thread (the validator); reads may come from any thread (MDB_NOTLS).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/validator/chain_types.hpp"
#include "storage/result.hpp"

namespace mantle::lmdb {
class env;
class txn;
} // namespace mantle::lmdb

namespace mantle::chain {

struct chain_store_options {
  // Address space reserved for the map; the file grows only as data is written. Reaching it is
  // errc::storage_full and the store stays as it was.
  uint64_t map_size = 1ull << 40;
  // true: each put_block is on disk when it returns (fsync per commit). false: MDB_NOSYNC, the
  // OS writes back later and sync() forces it (a crash may lose the newest blocks, never
  // corrupt older ones).
  bool durable = true;
};

// Named LMDB databases the store uses; an environment passed to attach() needs room for them.
constexpr unsigned chain_store_tables = 5;

struct chain_head {
  uint64_t height = 0; // 0: no block stored yet
  std::string id;      // block id of `height`, empty at 0
  bool operator==(const chain_head& o) const { return height == o.height && id == o.id; }
};

struct stored_block {
  uint64_t height = 0;
  std::string id;    // chain::block_id(header)
  std::string block; // encoded chain::block, exactly as put
  commit_cert cert;  // the certificate that committed it
  size_t cert_size = 0; // bytes of the encoded certificate (for range byte limits)
};

struct tx_location {
  uint64_t height = 0;
  uint32_t index = 0; // position in block.txs
  bool operator==(const tx_location& o) const { return height == o.height && index == o.index; }
};

struct located_tx {
  tx_location where;
  std::string bytes; // the encoded signed tx, as in the block
};

using meta_writes = std::vector<std::pair<std::string, std::string>>;

class chain_store {
public:
  // Opens (creating) its own environment in directory `dir`.
  static result<std::unique_ptr<chain_store>> open(const std::string& dir, const chain_store_options& opt = {});
  // Uses the store's tables inside an environment the caller owns and keeps alive longer than
  // the store (so the state tables can share it and one transaction can write both).
  static result<std::unique_ptr<chain_store>> attach(lmdb::env& env);
  ~chain_store();
  chain_store(const chain_store&) = delete;
  chain_store& operator=(const chain_store&) = delete;

  // Stores the next block. `id` must be block_id of its header, the header's height head+1 and
  // its prev_hash the head id (empty for height 1), the body must match the header
  // (chain::check_body), and `cert` must be a non-empty certificate for (height, id); its
  // signatures are the caller's business (the store does not know validator sets). `meta` is
  // written in the same transaction. Anything wrong: an error saying what, nothing written.
  status put_block(std::string_view block_bytes, std::string_view id, const commit_cert& cert,
                   const meta_writes& meta = {});
  // The same inside a write transaction of this store's environment that the caller commits
  // (or aborts, and then nothing of the block is stored).
  status put_block(lmdb::txn& t, std::string_view block_bytes, std::string_view id, const commit_cert& cert,
                   const meta_writes& meta = {});

  result<chain_head> head() const;
  result<chain_head> head(const lmdb::txn& t) const;

  // nullopt: no such block.
  result<std::optional<stored_block>> get_block(uint64_t height) const;
  result<std::optional<stored_block>> get_block_by_id(std::string_view id) const;
  result<std::optional<uint64_t>> height_of(std::string_view id) const;
  // Where a tx (by chain::hash of its encoded bytes) was committed; get_tx also returns its bytes.
  result<std::optional<tx_location>> find_tx(std::string_view tx_hash) const;
  result<std::optional<located_tx>> get_tx(std::string_view tx_hash) const;

  // Blocks from..from+n-1 for catch-up, stopping at the head, after `max_count` blocks, or
  // before the block that would take the total (block + certificate bytes) over `max_bytes`.
  // The first block is always returned when it exists, even if larger than `max_bytes`, so a
  // peer can always make progress. Empty when `from` is above the head.
  result<std::vector<stored_block>> get_range(uint64_t from, size_t max_count, size_t max_bytes) const;

  // Small caller-owned values (last state root, genesis hash): key 1..511 bytes.
  result<std::optional<std::string>> get_meta(std::string_view key) const;
  result<std::optional<std::string>> get_meta(const lmdb::txn& t, std::string_view key) const;
  status put_meta(std::string_view key, std::string_view value);
  status put_meta(lmdb::txn& t, std::string_view key, std::string_view value);
  status del_meta(std::string_view key);

  lmdb::env& env() const { return *env_; }
  // Forces written blocks to disk (needed only with durable = false).
  status sync();

private:
  struct tables;
  chain_store(std::unique_ptr<lmdb::env> owned, lmdb::env& env, std::unique_ptr<tables> t);
  static result<std::unique_ptr<chain_store>> make(std::unique_ptr<lmdb::env> owned, lmdb::env& env);
  result<std::optional<stored_block>> read_block(const lmdb::txn& t, uint64_t height) const;

  std::unique_ptr<lmdb::env> owned_;
  lmdb::env* env_;
  std::unique_ptr<tables> db_;
};

} // namespace mantle::chain
