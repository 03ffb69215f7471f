// The chain state's storage: one LMDB environment with a key-value table `state` (the state
// tables, told apart by a one-byte key prefix; actors/validator/state_tables.hpp defines them and
// their msgpack records) and a table `head` (height and state root of the last applied block).
//
// A block is executed in ONE write transaction (state_write). Writes go to an in-memory overlay
// first, so one transaction of the chain (a signed tx) can be rolled back without touching the
// block's other writes (begin_tx / commit_tx / rollback_tx). finish(height) writes the overlay to
// LMDB and computes the new state root; commit() makes it durable, abort() (or destruction)
// leaves the store exactly as it was: the host can execute a block to validate it and drop it.
//
// State root: root_h = BLAKE2b-256(msgpack ["mantle/state", root_{h-1}, h, ws_h]) where
// ws_h = BLAKE2b-256(msgpack [[key, value or nil], ...]) over the block's write set sorted by key
// (nil = deleted), and root_{-1} is empty (genesis is height 0). The root therefore commits to
// the whole history of writes from genesis: two nodes with the same root applied the same
// writes in the same order and hold byte-identical state. It costs one hash per block plus the
// bytes written, never a walk of the whole state.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/result.hpp"

namespace mantle {

namespace lmdb {
class env;
class txn;
} // namespace lmdb

// Read access shared by the committed view (state_read) and a block in progress (state_write),
// so the typed tables and check_tx work on either.
class state_view {
public:
  virtual ~state_view() = default;
  virtual result<std::optional<std::string>> get(std::string_view key) const = 0;
  // Every (key, value) whose key starts with `prefix`, in key order.
  virtual result<std::vector<std::pair<std::string, std::string>>> scan(std::string_view prefix) const = 0;
};

// Write access: a block in progress (state_write) or a scratch overlay (the mempool's dry run).
class state_sink {
public:
  virtual ~state_sink() = default;
  virtual void put(std::string_view key, std::string_view value) = 0;
  virtual void del(std::string_view key) = 0;
};

struct state_head {
  bool initialized = false; // false until genesis was committed
  uint64_t height = 0;      // last applied block (0 = genesis)
  std::string root;         // 32 bytes
};

class state_read;
class state_write;

class state_db {
public:
  // Opens (creating) the environment in directory `dir`. One per process.
  static result<std::unique_ptr<state_db>> open(const std::string& dir, uint64_t map_size = 1ull << 38);
  ~state_db();

  result<state_head> head() const;
  // A consistent snapshot of the committed state (read-only LMDB txn; many may exist).
  result<std::unique_ptr<state_read>> begin_read() const;
  // Starts the single write transaction. LMDB allows one writer: do not begin a second one in
  // the same thread before the first is committed or aborted (it would wait forever).
  result<std::unique_ptr<state_write>> begin_write();

  lmdb::env& env() { return *env_; }

private:
  state_db(std::unique_ptr<lmdb::env> env, unsigned state_dbi, unsigned head_dbi);
  std::unique_ptr<lmdb::env> env_;
  unsigned state_dbi_;
  unsigned head_dbi_;
  friend class state_read;
  friend class state_write;
};

class state_read final : public state_view {
public:
  ~state_read() override;
  result<std::optional<std::string>> get(std::string_view key) const override;
  result<std::vector<std::pair<std::string, std::string>>> scan(std::string_view prefix) const override;
  // One page of scan(prefix): keys greater than `after` (empty: from the first), at most
  // `limit` of them. Callers page through big tables without holding them in memory.
  result<std::vector<std::pair<std::string, std::string>>> scan_page(std::string_view prefix, std::string_view after,
                                                                     size_t limit) const;
  const state_head& head() const { return head_; }

private:
  friend class state_db;
  state_read() = default;
  std::unique_ptr<lmdb::txn> txn_;
  unsigned dbi_ = 0;
  state_head head_;
};

class state_write final : public state_view, public state_sink {
public:
  ~state_write() override;
  result<std::optional<std::string>> get(std::string_view key) const override;
  result<std::vector<std::pair<std::string, std::string>>> scan(std::string_view prefix) const override;
  void put(std::string_view key, std::string_view value) override;
  void del(std::string_view key) override;

  // Nested scope for one chain transaction: writes after begin_tx() are kept apart until
  // commit_tx() folds them into the block, or rollback_tx() drops them.
  void begin_tx();
  void commit_tx();
  void rollback_tx();

  // Head before this block.
  const state_head& base() const { return base_; }
  // Writes the block's overlay to LMDB, records `height` and the new root, and returns the
  // root. Call once, then commit() or abort().
  result<std::string> finish(uint64_t height);
  status commit();
  void abort();
  // Number of keys the block wrote so far (for tests and metrics).
  size_t write_count() const { return block_.size(); }

private:
  friend class state_db;
  state_write() = default;
  using overlay = std::map<std::string, std::optional<std::string>, std::less<>>;
  state_db* db_ = nullptr;
  std::unique_ptr<lmdb::txn> txn_;
  state_head base_;
  overlay block_;
  overlay tx_;
  bool in_tx_ = false;
  bool finished_ = false;
};

} // namespace mantle
