#include "storage/lmdb_env.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <sys/mman.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace mantle::lmdb {

error to_error(int rc, const std::string& what) {
  if (rc == MDB_MAP_FULL || rc == ENOSPC) {
    std::string why = rc == MDB_MAP_FULL ? "the storage limit (LMDB map size) is reached"
                                         : "the disk is full";
    return make_error(errc::storage_full,
                      what + ": " + why +
                        "; raise --storage-max, run garbage collection (repo gc) after unpinning "
                        "content, or free disk space");
  }
  if (rc == MDB_BAD_VALSIZE)
    return make_error(errc::invalid_input, what + ": key too long or empty (" + mdb_strerror(rc) + ")");
  return make_error(errc::io_error, what + ": " + mdb_strerror(rc));
}

// ---- env ----

result<std::unique_ptr<env>> env::open(const std::string& path, const env_options& opt) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec)
    return make_error(errc::io_error, "cannot create storage directory " + path + ": " + ec.message());
  MDB_env* e = nullptr;
  int rc = mdb_env_create(&e);
  if (rc)
    return to_error(rc, "mdb_env_create");
  // Owns `e` from here so every early return closes it.
  std::unique_ptr<env> out(new env(e, path));
  if ((rc = mdb_env_set_maxdbs(e, opt.max_dbs)))
    return to_error(rc, "mdb_env_set_maxdbs");
  if ((rc = mdb_env_set_maxreaders(e, opt.max_readers)))
    return to_error(rc, "mdb_env_set_maxreaders");
  if ((rc = mdb_env_set_mapsize(e, opt.map_size)))
    return to_error(rc, "mdb_env_set_mapsize(" + std::to_string(opt.map_size) + ")");
  // MDB_NOTLS: read transactions are not bound to the thread that opened them, so any thread
  // (and a reader handed between threads) can read without reader-slot clashes.
  rc = mdb_env_open(e, path.c_str(), opt.flags | MDB_NOTLS, 0644);
  if (rc)
    return to_error(rc, "cannot open LMDB environment in " + path);
  out->locate_map();
  mdb_filehandle_t fd;
  if (mdb_env_get_fd(e, &fd) == 0)
    out->fd_ = fd;
  return out;
}

// Finds LMDB's mapping of data.mdb by device and inode, which unlike the path text cannot be
// confused by symlinks or relative paths. Not found (non-Linux) leaves release a no-op.
void env::locate_map() {
  struct stat st;
  if (::stat((path_ + "/data.mdb").c_str(), &st) != 0)
    return;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    // start-end perms offset dev inode path
    unsigned long start = 0, end = 0, offset = 0, inode = 0;
    unsigned dev_major = 0, dev_minor = 0;
    char perms[8] = {0};
    if (std::sscanf(line.c_str(), "%lx-%lx %7s %lx %x:%x %lu", &start, &end, perms, &offset, &dev_major,
                    &dev_minor, &inode) != 7)
      continue;
    if (inode == st.st_ino && offset == 0 && makedev(dev_major, dev_minor) == st.st_dev &&
        end - start == map_size()) {
      map_ = reinterpret_cast<char*>(start);
      map_len_ = end - start;
      return;
    }
  }
}

void env::release_mapped_pages() {
  if (!map_)
    return;
  MDB_envinfo info;
  MDB_stat st;
  if (mdb_env_info(env_, &info) || mdb_env_stat(env_, &st))
    return;
  uint64_t used = (static_cast<uint64_t>(info.me_last_pgno) + 1) * st.ms_psize;
  (void)::madvise(map_, std::min<uint64_t>(used, map_len_), MADV_DONTNEED);
}

std::string env::copy_out(std::string_view mapped, bool* via_map) const {
  // Small values sit in the leaf page the lookup has just touched, so copying them from the map
  // faults nothing; large ones fill overflow pages nobody has touched yet.
  constexpr size_t pread_from = 32 * 1024;
  const char* p = mapped.data();
  if (fd_ >= 0 && map_ && mapped.size() >= pread_from && p >= map_ && p + mapped.size() <= map_ + map_len_) {
    std::string out(mapped.size(), '\0');
    auto offset = static_cast<off_t>(p - map_);
    size_t done = 0;
    while (done < out.size()) {
      auto n = ::pread(fd_, out.data() + done, out.size() - done, offset + static_cast<off_t>(done));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break; // an I/O error: the map below reports it the way every other read does
      done += static_cast<size_t>(n);
    }
    if (done == out.size()) {
      if (via_map)
        *via_map = false;
      return out;
    }
  }
  if (via_map)
    *via_map = true;
  return std::string(mapped);
}

env::~env() {
  if (env_)
    mdb_env_close(env_);
}

status env::sync(bool force) {
  int rc = mdb_env_sync(env_, force ? 1 : 0);
  if (rc)
    return to_error(rc, "mdb_env_sync on " + path_);
  return {};
}

uint64_t env::map_size() const {
  MDB_envinfo info;
  if (mdb_env_info(env_, &info))
    return 0;
  return info.me_mapsize;
}

uint64_t env::file_size() const {
  std::error_code ec;
  auto n = std::filesystem::file_size(std::filesystem::path(path_) / "data.mdb", ec);
  return ec ? 0 : static_cast<uint64_t>(n);
}

// ---- txn ----

result<txn> txn::begin(const env& e, bool read_only) {
  MDB_txn* t = nullptr;
  int rc = mdb_txn_begin(e.get(), nullptr, read_only ? MDB_RDONLY : 0, &t);
  if (rc)
    return to_error(rc, read_only ? "cannot begin read transaction" : "cannot begin write transaction");
  return txn(t);
}

txn& txn::operator=(txn&& o) noexcept {
  if (this != &o) {
    abort();
    t_ = o.t_;
    o.t_ = nullptr;
  }
  return *this;
}

status txn::commit() {
  if (!t_)
    return make_error(errc::internal, "commit of a finished transaction");
  int rc = mdb_txn_commit(t_);
  t_ = nullptr; // LMDB frees the handle whether or not the commit succeeded
  if (rc)
    return to_error(rc, "commit");
  return {};
}

void txn::abort() {
  if (t_) {
    mdb_txn_abort(t_);
    t_ = nullptr;
  }
}

status txn::open_dbs(std::initializer_list<std::pair<const char*, MDB_dbi*>> tables) {
  for (auto [name, slot] : tables) {
    auto d = open_db(name, true);
    if (!d)
      return d.err();
    *slot = *d;
  }
  return status::success();
}

result<MDB_dbi> txn::open_db(const char* name, bool create) {
  MDB_dbi dbi;
  int rc = mdb_dbi_open(t_, name, create ? MDB_CREATE : 0, &dbi);
  if (rc)
    return to_error(rc, std::string("cannot open database '") + name + "'");
  return dbi;
}

result<std::optional<std::string_view>> txn::get(MDB_dbi db, std::string_view key) const {
  MDB_val k = to_val(key), v;
  int rc = mdb_get(t_, db, &k, &v);
  if (rc == MDB_NOTFOUND)
    return std::optional<std::string_view>{};
  if (rc)
    return to_error(rc, "read");
  return std::optional<std::string_view>{std::string_view(static_cast<const char*>(v.mv_data), v.mv_size)};
}

result<bool> txn::put(MDB_dbi db, std::string_view key, std::string_view value, unsigned flags) {
  MDB_val k = to_val(key), v = to_val(value);
  int rc = mdb_put(t_, db, &k, &v, flags);
  if (rc == MDB_KEYEXIST && (flags & MDB_NOOVERWRITE))
    return false;
  if (rc)
    return to_error(rc, "write");
  return true;
}

result<bool> txn::del(MDB_dbi db, std::string_view key) {
  MDB_val k = to_val(key);
  int rc = mdb_del(t_, db, &k, nullptr);
  if (rc == MDB_NOTFOUND)
    return false;
  if (rc)
    return to_error(rc, "delete");
  return true;
}

// ---- cursor ----

result<cursor> cursor::open(const txn& t, MDB_dbi db) {
  MDB_cursor* c = nullptr;
  int rc = mdb_cursor_open(t.get(), db, &c);
  if (rc)
    return to_error(rc, "mdb_cursor_open");
  return cursor(c);
}

void cursor::close() {
  if (c_) {
    mdb_cursor_close(c_);
    c_ = nullptr;
  }
}

result<bool> cursor::step(MDB_cursor_op op, const MDB_val* start) {
  if (start)
    k_ = *start;
  int rc = mdb_cursor_get(c_, &k_, &v_, op);
  if (rc == MDB_NOTFOUND)
    return false;
  if (rc)
    return to_error(rc, "cursor read");
  return true;
}

result<bool> cursor::seek(std::string_view key) {
  if (key.empty())
    return step(MDB_FIRST, nullptr);
  MDB_val k = to_val(key);
  return step(MDB_SET_RANGE, &k);
}

result<bool> cursor::next() { return step(MDB_NEXT, nullptr); }

status cursor::del() {
  int rc = mdb_cursor_del(c_, 0);
  if (rc)
    return to_error(rc, "cursor delete");
  return {};
}

} // namespace mantle::lmdb
