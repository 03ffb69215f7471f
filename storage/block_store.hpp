// The node's block store: one LMDB environment in <dir>/blocks.lmdb with named tables
//   blocks  : multihash bytes -> block bytes (so CIDv0 and CIDv1 of the same bytes share storage)
//   pins    : binary CID -> msgpack [type, name, created_unix]       (storage/pin_record.hpp)
//   meta    : "num_objects", "repo_size" counters (u64 LE), updated in the same txn as the blocks
//   pending : session id (u64 BE) ++ multihash -> "" for blocks written during an add session
// Writes are serialized by a mutex; reads open their own read transactions (MDB_NOTLS) and can
// run on any thread concurrently with writes.
//
// Durability: block batches commit with MDB_NOSYNC (page cache only, survives SIGKILL); pin(),
// unpin() and sync() fsync the whole file, which also makes every block committed before them
// durable. So a durable pin always has its DAG durably present.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>
#include "storage/block_io.hpp"
#include "storage/cid.hpp"
#include "storage/pin_record.hpp"
#include "storage/result.hpp"

namespace mantle {

namespace lmdb {
class env;
class txn;
}

struct store_options {
  uint64_t map_size = 1ull << 40; // storage max: the LMDB map size
  // false skips the fsync after pin()/unpin() (tests, benchmarks); sync() always syncs.
  bool durable_commits = true;
  // Raises glibc's mmap and trim thresholds (process-wide, once) so LMDB's per-transaction
  // buffers for large values are reused instead of being mapped, faulted in and unmapped on
  // every commit; that churn costs more than half the put_batch throughput.
  bool tune_malloc = true;
};

struct pin_info {
  cid id;
  pin_type type;
  std::string name;
};

struct repo_stat {
  uint64_t num_objects = 0;
  uint64_t repo_size = 0;   // bytes of block data
  uint64_t storage_max = 0; // map size
  uint64_t file_size = 0;   // LMDB data file
};

struct gc_result {
  std::vector<cid> removed;
  uint64_t freed_bytes = 0;
};

class block_store : public block_sink, public block_source {
public:
  static constexpr size_t flush_threshold = 32u << 20; // put() buffer size that forces a flush

  static result<std::unique_ptr<block_store>> open(const std::string& dir, const store_options& opt);
  ~block_store() override;

  // block_sink. put() buffers and verifies nothing (callers hash); flush() commits the buffer
  // in one write transaction; if that fails (e.g. storage_full) the buffered blocks are dropped
  // and the error returned, so a caller never retries into the same wall forever.
  // Blocks put while a session is open belong to the newest one.
  status put(block b) override;
  status flush() override;

  // One transaction; blocks already present are skipped without rewriting them. On failure
  // (e.g. storage_full) nothing of the batch is stored.
  status put_batch(std::vector<block> blocks);
  // Same, recording new blocks under `session` (for adds running concurrently).
  status put_batch(std::vector<block> blocks, uint64_t session);

  // block_source. Looks up by multihash; buffered (unflushed) blocks are visible too.
  result<std::string> get(const cid& c) override;
  // Zero-copy: `fn` sees the bytes inside a read transaction (keep it short).
  status read(const cid& c, const std::function<status(std::string_view)>& fn) override;
  result<bool> has(const cid& c);
  result<uint64_t> block_size(const cid& c);

  // errc::conflict if the block is pinned (directly, recursively, or as part of a recursive
  // pin's DAG); errc::not_found if absent.
  status remove(const cid& c);
  // Data-loss drill (mantle/diag/lose, --fault-injection only): deletes `percent` % of the leaf
  // blocks of the DAG under `root` (every k-th leaf in DAG order), pins or not, so a test can
  // play a node that lost part of a file it still claims. Returns how many were deleted.
  result<uint64_t> lose_leaves(const cid& root, uint32_t percent);

  // Flushes the put() buffer first. direct: the block must be present. recursive: the whole DAG
  // must be present (else not_found naming the first missing CID). Durable on return.
  // Re-pinning updates the name; direct over recursive is a conflict; recursive upgrades direct.
  status pin(const cid& c, pin_type t, const std::string& name = "");
  // recursive=true removes a direct or recursive pin; false removes only a direct one.
  // Not pinned -> not_found; only indirectly pinned -> conflict.
  status unpin(const cid& c, bool recursive = true);
  // Pins are matched by multihash for `which`. Indirect pins are listed when `only` is empty
  // or indirect; a block pinned both ways is listed once, as its stored pin.
  result<std::vector<pin_info>> pins(std::optional<pin_type> only = std::nullopt,
                                     const std::optional<cid>& which = std::nullopt);

  // Mark from pins and open sessions, sweep the rest. Aborts (removing nothing) if a pinned DAG
  // is incomplete or a pin record is corrupt, because then the mark would be incomplete.
  result<gc_result> gc();
  result<repo_stat> stat();
  status sync(); // mdb_env_sync(force)

  // Add sessions: blocks newly written while a session is open are recorded as pending until
  // end_session(), which the importer calls after pinning the root. At open(), pending blocks
  // of sessions that never ended (crash mid-add) and that no pin reaches are deleted.
  uint64_t begin_session();
  status end_session(uint64_t id);
  // Blocks deleted by the crash recovery during open() (for logs and tests).
  uint64_t recovered_blocks() const { return recovered_; }

private:
  struct staged {
    block b;
    uint64_t session = 0;
  };
  struct tables;
  block_store(std::unique_ptr<lmdb::env> env, std::unique_ptr<tables> t, const store_options& opt);

  status commit_blocks(const std::vector<staged>& blocks);
  status recover_sessions();
  uint64_t current_session() const;
  status durable_sync();
  std::optional<std::string> buffered(const std::string& mh);
  std::optional<uint64_t> buffered_size(const std::string& mh);

  std::unique_ptr<lmdb::env> env_;
  std::unique_ptr<tables> db_;
  store_options opt_;
  std::mutex write_mu_; // one writer at a time (LMDB allows one write txn; this also orders them)
  std::mutex flush_mu_; // one flush at a time, so flushing_ has a single owner
  std::mutex buf_mu_;   // guards buf_, flushing_ (clearing), buf_bytes_, sessions_
  std::vector<staged> buf_;
  std::vector<staged> flushing_; // being committed; still visible to readers
  size_t buf_bytes_ = 0;
  std::set<uint64_t> sessions_;
  uint64_t next_session_ = 1;
  uint64_t recovered_ = 0;
  std::atomic<uint64_t> touched_bytes_{0}; // written or read through the map since the last release
  void note_touched(uint64_t bytes);
};

} // namespace mantle
