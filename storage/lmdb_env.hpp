// Thin RAII layer over LMDB: one environment, transactions that abort unless committed, and
// named databases. Every LMDB return code becomes a mantle::error here, so the tables above it
// never see raw ints; a full map or a full disk becomes errc::storage_full with advice for the
// operator, everything else errc::io_error.
#pragma once
#include <lmdb.h>

#include <cstdint>
#include <memory>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include "storage/result.hpp"

namespace mantle::lmdb {

// Maps an LMDB/errno code to an error; `what` says which operation failed.
error to_error(int rc, const std::string& what);

struct env_options {
  uint64_t map_size = 1ull << 40;
  unsigned max_dbs = 16;
  unsigned max_readers = 510;
  unsigned flags = 0; // extra MDB_* flags; MDB_NOTLS is always added
};

class env {
public:
  // Opens (creating the directory if needed) an environment in directory `path`.
  static result<std::unique_ptr<env>> open(const std::string& path, const env_options& opt);
  ~env();
  env(const env&) = delete;
  env& operator=(const env&) = delete;

  MDB_env* get() const { return env_; }
  const std::string& path() const { return path_; }
  // Flushes committed data to disk (fdatasync) even if the environment runs with MDB_NOSYNC.
  status sync(bool force = true);
  uint64_t map_size() const;
  uint64_t file_size() const; // bytes of data.mdb on disk

  // Drops this process's page-table entries for the map (MADV_DONTNEED). The map is a read-only
  // MAP_SHARED view of the file, so nothing is lost: pages stay in the page cache and a later
  // access (also by a concurrent reader) refaults them. Without this, pages the kernel maps
  // while LMDB writes and reads accumulate in RSS in proportion to the data written.
  void release_mapped_pages();

  // A copy of `mapped`, a value read in a read transaction that is still open. Large values
  // are read from the data file with pread(2) rather than copied out of the map: the kernel
  // copies from the page cache without mapping the pages into this process, which spares
  // the page faults, the fault-around mapping and the later unmapping of every page (a block
  // served to a peer is typically cold). Sets `via_map` when the copy came from the map.
  std::string copy_out(std::string_view mapped, bool* via_map = nullptr) const;

private:
  env(MDB_env* e, std::string p) : env_(e), path_(std::move(p)) {}
  void locate_map();
  MDB_env* env_;
  std::string path_;
  char* map_ = nullptr; // LMDB does not expose its map address; found in /proc/self/maps
  uint64_t map_len_ = 0;
  int fd_ = -1; // data.mdb, for copy_out
};

// A transaction that aborts in its destructor unless commit() succeeded.
class txn {
public:
  static result<txn> begin(const env& e, bool read_only);
  txn() = default;
  txn(txn&& o) noexcept : t_(o.t_) { o.t_ = nullptr; }
  txn& operator=(txn&& o) noexcept;
  ~txn() { abort(); }
  txn(const txn&) = delete;
  txn& operator=(const txn&) = delete;

  MDB_txn* get() const { return t_; }
  status commit();
  void abort();

  // Opens (and with `create`, makes) a named database. Needs a write txn to create.
  result<MDB_dbi> open_db(const char* name, bool create);
  // Opens (creating when missing) each named database into its slot: a store's tables at open.
  status open_dbs(std::initializer_list<std::pair<const char*, MDB_dbi*>> tables);

  // Zero-copy read: the view is valid until the transaction ends. nullopt = key absent.
  result<std::optional<std::string_view>> get(MDB_dbi db, std::string_view key) const;
  // flags: MDB_NOOVERWRITE etc. Returns false when NOOVERWRITE found the key present.
  result<bool> put(MDB_dbi db, std::string_view key, std::string_view value, unsigned flags = 0);
  // Returns false when the key was absent.
  result<bool> del(MDB_dbi db, std::string_view key);

private:
  explicit txn(MDB_txn* t) : t_(t) {}
  MDB_txn* t_ = nullptr;
};

// Forward iteration over a database, optionally from a key prefix onward. Must be closed
// (close() or destroyed) before its transaction commits or aborts: LMDB frees write-txn
// cursors itself at txn end, so a later close would free twice.
class cursor {
public:
  static result<cursor> open(const txn& t, MDB_dbi db);
  cursor(cursor&& o) noexcept : c_(o.c_) { o.c_ = nullptr; }
  ~cursor() { close(); }
  void close();
  cursor(const cursor&) = delete;
  cursor& operator=(const cursor&) = delete;
  cursor& operator=(cursor&&) = delete;

  // Positions at the first key >= `key` (or the first key when empty). False at the end.
  result<bool> seek(std::string_view key = {});
  result<bool> next();
  std::string_view key() const { return as_view(k_); }
  std::string_view value() const { return as_view(v_); }
  // Deletes the current entry; a following next() yields the entry after it (LMDB keeps the
  // cursor in place after a delete), so delete-while-iterating needs no special casing.
  status del();

private:
  explicit cursor(MDB_cursor* c) : c_(c) {}
  static std::string_view as_view(const MDB_val& v) {
    return {static_cast<const char*>(v.mv_data), v.mv_size};
  }
  result<bool> step(MDB_cursor_op op, const MDB_val* start);
  MDB_cursor* c_ = nullptr;
  MDB_val k_{0, nullptr}, v_{0, nullptr};
};

inline MDB_val to_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

} // namespace mantle::lmdb
