#include "storage/block_store.hpp"

#include <algorithm>
#include <chrono>
#include <malloc.h>
#include <unordered_set>
#include "storage/dag_pb.hpp"
#include "storage/lmdb_env.hpp"
#include "storage/multihash.hpp"

namespace mantle {

struct block_store::tables {
  MDB_dbi blocks, pins, meta, pending;
};

namespace {

constexpr const char* k_num_objects = "num_objects";
constexpr const char* k_repo_size = "repo_size";
constexpr const char* k_format = "format_version";
constexpr uint64_t format_version = 1;

std::string u64_le(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i)
    s[i] = static_cast<char>(v >> (8 * i));
  return s;
}

// Big-endian so that one session's pending entries are contiguous and ordered in the table.
std::string u64_be(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i)
    s[7 - i] = static_cast<char>(v >> (8 * i));
  return s;
}

result<uint64_t> read_counter(const lmdb::txn& t, MDB_dbi meta, const char* key) {
  auto v = t.get(meta, key);
  if (!v)
    return v.err();
  if (!*v)
    return uint64_t{0};
  if ((*v)->size() != 8)
    return make_error(errc::corrupt, std::string("meta table: counter '") + key + "' is not 8 bytes");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i)
    n |= static_cast<uint64_t>(static_cast<uint8_t>((**v)[i])) << (8 * i);
  return n;
}

struct counters {
  uint64_t num_objects = 0, repo_size = 0;
};

result<counters> read_counters(const lmdb::txn& t, MDB_dbi meta) {
  auto n = read_counter(t, meta, k_num_objects);
  if (!n)
    return n.err();
  auto s = read_counter(t, meta, k_repo_size);
  if (!s)
    return s.err();
  return counters{*n, *s};
}

status write_counters(lmdb::txn& t, MDB_dbi meta, const counters& c) {
  auto a = t.put(meta, k_num_objects, u64_le(c.num_objects));
  if (!a)
    return a.err();
  auto b = t.put(meta, k_repo_size, u64_le(c.repo_size));
  if (!b)
    return b.err();
  return {};
}

// Deletes one stored block of `size` bytes and takes it off the repo counters, in `t`.
status delete_block(lmdb::txn& t, MDB_dbi blocks, MDB_dbi meta, const std::string& mh, uint64_t size) {
  if (auto d = t.del(blocks, mh); !d)
    return d.err();
  auto cnt = read_counters(t, meta);
  if (!cnt)
    return cnt.err();
  cnt->num_objects -= std::min<uint64_t>(cnt->num_objects, 1);
  cnt->repo_size -= std::min<uint64_t>(cnt->repo_size, size);
  return write_counters(t, meta, *cnt);
}

bool is_identity(const std::string& mh) { return !mh.empty() && mh[0] == 0x00; }

// Identity multihashes carry their block inline; nothing is stored for them.
std::optional<std::string_view> identity_data(const std::string& mh) {
  if (!is_identity(mh))
    return std::nullopt;
  auto v = multihash::parse(mh);
  if (!v)
    return std::nullopt;
  return v->digest;
}

status check_key(const cid& c) {
  if (c.mh.empty())
    return make_error(errc::invalid_input, "CID has an empty multihash");
  return {};
}

std::string describe_cid(const cid& c) {
  std::string s = c.str();
  return s.empty() ? std::string("<unprintable CID>") : s;
}

// Block bytes by CID within `t`; nullopt when absent. The view lives as long as `t` and `c`.
result<std::optional<std::string_view>> block_bytes(const lmdb::txn& t, MDB_dbi blocks, const cid& c) {
  if (auto id = identity_data(c.mh))
    return std::optional<std::string_view>{*id};
  return t.get(blocks, c.mh);
}

// Depth-first walk of the DAG under `root`, each multihash once across calls sharing `seen`.
// `visit` sees every block reached (root included). The first absent block is not_found; a
// dag-pb block that does not decode is corrupt; codecs whose links we cannot read are
// unsupported, because treating them as leaves would silently drop their children.
template <class Visit>
status walk_dag(const lmdb::txn& t, MDB_dbi blocks, const cid& root,
                std::unordered_set<std::string>& seen, Visit&& visit, lmdb::env* env) {
  std::vector<cid> stack{root};
  size_t visited = 0;
  while (!stack.empty()) {
    // Even reading one byte of a block maps its whole (large) page-cache folio into our
    // address space; release the mappings as we go so a walk over a big DAG keeps RSS flat.
    if (env && ++visited % 256 == 0)
      env->release_mapped_pages();
    cid c = std::move(stack.back());
    stack.pop_back();
    if (!seen.insert(c.mh).second)
      continue;
    auto data = block_bytes(t, blocks, c);
    if (!data)
      return data.err();
    if (!*data) {
      if (c == root)
        return make_error(errc::not_found, "block " + describe_cid(c) + " is not in the store");
      return make_error(errc::not_found, "block " + describe_cid(c) + " of the DAG under " +
                                           describe_cid(root) + " is not in the store");
    }
    visit(c);
    if (c.codec == codec::raw)
      continue;
    if (c.codec != codec::dag_pb)
      return make_error(errc::unsupported, std::string("cannot follow links of codec ") +
                                             codec_name(c.codec) + " (block " + describe_cid(c) +
                                             "); pin it directly instead");
    // dag-pb writes links before Data, so a node whose first field is Data (tag 0x0a) has no
    // links: skip decoding it. Leaves are most of a DAG's bytes, and this way a walk touches
    // only the first page of each instead of reading (and faulting in) all of them.
    if ((*data)->empty() || static_cast<uint8_t>((**data)[0]) == 0x0a)
      continue;
    auto node = dag_pb::decode(**data);
    if (!node)
      return make_error(errc::corrupt, "block " + describe_cid(c) + " is not valid dag-pb: " +
                                         node.err().message);
    for (auto it = node->links.rbegin(); it != node->links.rend(); ++it)
      if (!seen.count(it->target.mh))
        stack.push_back(std::move(it->target));
  }
  return {};
}

struct stored_pin {
  cid id;
  pin_record rec;
};

// Pins are one record per multihash, whichever CID version pinned it.
const stored_pin* find_pin(const std::vector<stored_pin>& pins, const cid& c) {
  for (const auto& p : pins)
    if (p.id.mh == c.mh)
      return &p;
  return nullptr;
}

result<std::vector<stored_pin>> load_pins(const lmdb::txn& t, MDB_dbi pins) {
  std::vector<stored_pin> out;
  auto cur = lmdb::cursor::open(t, pins);
  if (!cur)
    return cur.err();
  auto more = cur->seek();
  for (; more && *more; more = cur->next()) {
    auto id = cid::from_bytes(cur->key());
    if (!id)
      return make_error(errc::corrupt, "pins table: a key is not a binary CID (" + id.err().message + ")");
    auto rec = decode_pin_record(cur->value());
    if (!rec)
      return make_error(errc::corrupt, "pins table: record of " + describe_cid(*id) + ": " +
                                         rec.err().message);
    out.push_back({std::move(*id), std::move(*rec)});
  }
  if (!more)
    return more.err();
  return out;
}

// Every multihash reachable from recursive pins plus directly pinned blocks.
result<std::unordered_set<std::string>> mark_pinned(const lmdb::txn& t, MDB_dbi blocks,
                                                    const std::vector<stored_pin>& pins,
                                                    lmdb::env* env) {
  std::unordered_set<std::string> seen;
  // Recursive pins first: walk_dag does not descend into a block already seen, so a direct pin
  // marked earlier would hide the rest of any recursive DAG passing through it from the mark,
  // and GC would delete that part of a pinned DAG.
  for (const auto& p : pins) {
    if (p.rec.type != pin_type::recursive)
      continue;
    auto st = walk_dag(t, blocks, p.id, seen, [](const cid&) {}, env);
    if (!st)
      return st.err();
  }
  for (const auto& p : pins)
    if (p.rec.type == pin_type::direct)
      seen.insert(p.id.mh);
  return seen;
}

// Write paths end by dropping the map's pages from our RSS: LMDB's page lookups near freshly
// written data fault whole large page-cache folios into the mapping (kernel 6.x maps folios,
// fault-around or not), and a cursor walk over a small table can so pin hundreds of MB.
struct release_mapping_on_exit {
  lmdb::env& env;
  ~release_mapping_on_exit() { env.release_mapped_pages(); }
};

// How much block data reads may pass through the map before its pages are released from our
// RSS. Larger means fewer re-faults when streaming (cat: 16 MiB -> 64 MiB took 1 GiB from
// ~0.85 s to ~0.63 s here); writes release after every commit instead (see commit_blocks).
constexpr uint64_t release_every = 64ull << 20;

void tune_malloc_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 32 << 20); // glibc's maximum on 64-bit
    mallopt(M_TRIM_THRESHOLD, 128 << 20);
  });
}

uint64_t now_unix() {
  return static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count());
}

} // namespace

// ---- open / close ----

block_store::block_store(std::unique_ptr<lmdb::env> env, std::unique_ptr<tables> t, const store_options& opt)
  : env_(std::move(env)), db_(std::move(t)), opt_(opt) {}

block_store::~block_store() {
  // A clean shutdown stores what was put and makes it durable; errors have nowhere to go here,
  // and losing unflushed blocks is within the block_sink contract.
  (void)flush();
  (void)env_->sync(true);
}

result<std::unique_ptr<block_store>> block_store::open(const std::string& dir, const store_options& opt) {
  if (opt.tune_malloc)
    tune_malloc_once();
  lmdb::env_options eo;
  eo.map_size = opt.map_size;
  // No MDB_WRITEMAP: it makes dirty pages part of the process RSS. MDB_NOSYNC: block batches
  // reach the page cache only; durability points call mdb_env_sync explicitly.
  eo.flags = MDB_NOSYNC;
  auto env = lmdb::env::open(dir + "/blocks.lmdb", eo);
  if (!env)
    return env.err();
  auto t = lmdb::txn::begin(**env, false);
  if (!t)
    return t.err();
  auto tabs = std::make_unique<tables>();
  if (auto s = t->open_dbs({{"blocks", &tabs->blocks}, {"pins", &tabs->pins}, {"meta", &tabs->meta},
                            {"pending", &tabs->pending}});
      !s)
    return s.err();
  auto fmt = read_counter(*t, tabs->meta, k_format);
  if (!fmt)
    return fmt.err();
  if (*fmt == 0) {
    auto w = t->put(tabs->meta, k_format, u64_le(format_version));
    if (!w)
      return w.err();
  } else if (*fmt != format_version) {
    return make_error(errc::unsupported, "block store in " + dir + " has format version " +
                                           std::to_string(*fmt) + "; this build reads version " +
                                           std::to_string(format_version));
  }
  auto c = t->commit();
  if (!c)
    return c.err();
  std::unique_ptr<block_store> bs(new block_store(std::move(*env), std::move(tabs), opt));
  auto r = bs->recover_sessions();
  if (!r)
    return r.err();
  return bs;
}

// Deletes blocks of add sessions that never ended (the process died mid-add) unless a pin
// reaches them, so a crashed add leaves nothing half-written behind.
status block_store::recover_sessions() {
  release_mapping_on_exit release{*env_};
  std::lock_guard<std::mutex> lk(write_mu_);
  auto t = lmdb::txn::begin(*env_, false);
  if (!t)
    return t.err();
  auto cur = lmdb::cursor::open(*t, db_->pending);
  if (!cur)
    return cur.err();
  auto more = cur->seek();
  if (!more)
    return more.err();
  if (!*more)
    return {}; // the common case: clean shutdown, nothing pending
  // If the pins cannot be marked (corrupt record), keep every block: deleting without a
  // complete mark could destroy pinned data. GC will report the same problem later.
  std::optional<std::unordered_set<std::string>> live;
  if (auto pins = load_pins(*t, db_->pins)) {
    auto marked = mark_pinned(*t, db_->blocks, *pins, env_.get());
    if (marked)
      live = std::move(*marked);
  }
  auto cnt = read_counters(*t, db_->meta);
  if (!cnt)
    return cnt.err();
  uint64_t removed = 0;
  for (; more && *more; more = cur->next()) {
    std::string mh(cur->key().substr(std::min<size_t>(8, cur->key().size())));
    if (live && !live->count(mh)) {
      auto v = t->get(db_->blocks, mh);
      if (!v)
        return v.err();
      if (*v) {
        uint64_t size = (*v)->size();
        auto d = t->del(db_->blocks, mh);
        if (!d)
          return d.err();
        cnt->num_objects -= std::min<uint64_t>(cnt->num_objects, 1);
        cnt->repo_size -= std::min<uint64_t>(cnt->repo_size, size);
        ++removed;
      }
    }
    auto d = cur->del();
    if (!d)
      return d;
  }
  if (!more)
    return more.err();
  cur->close();
  auto w = write_counters(*t, db_->meta, *cnt);
  if (!w)
    return w;
  auto c = t->commit();
  if (!c)
    return c;
  recovered_ = removed;
  return env_->sync(true);
}

// ---- writes ----

uint64_t block_store::current_session() const {
  return sessions_.empty() ? 0 : *sessions_.rbegin();
}

status block_store::commit_blocks(const std::vector<staged>& blocks) {
  if (blocks.empty())
    return {};
  std::lock_guard<std::mutex> lk(write_mu_);
  auto t = lmdb::txn::begin(*env_, false);
  if (!t)
    return t.err();
  auto cnt = read_counters(*t, db_->meta);
  if (!cnt)
    return cnt.err();
  for (const auto& s : blocks) {
    const block& b = s.b;
    if (auto st = check_key(b.cid); !st)
      return st;
    if (is_identity(b.cid.mh))
      continue;
    // NOOVERWRITE makes an already-present block a lookup, not a rewrite of its pages.
    auto added = t->put(db_->blocks, b.cid.mh, b.data, MDB_NOOVERWRITE);
    if (!added)
      return make_error(added.err().code, "cannot store block " + describe_cid(b.cid) + " (" +
                                            std::to_string(b.data.size()) + " bytes) in a batch of " +
                                            std::to_string(blocks.size()) + ", nothing stored: " +
                                            added.err().message);
    if (!*added)
      continue;
    cnt->num_objects += 1;
    cnt->repo_size += b.data.size();
    if (s.session) {
      auto p = t->put(db_->pending, u64_be(s.session) + b.cid.mh, {});
      if (!p)
        return make_error(p.err().code, "cannot record pending block, nothing stored: " + p.err().message);
    }
  }
  if (auto w = write_counters(*t, db_->meta, *cnt); !w)
    return w;
  if (auto cm = t->commit(); !cm)
    return cm;
  env_->release_mapped_pages(); // see release_mapping_on_exit
  return {};
}

void block_store::note_touched(uint64_t bytes) {
  if (touched_bytes_.fetch_add(bytes, std::memory_order_relaxed) + bytes >= release_every) {
    touched_bytes_.store(0, std::memory_order_relaxed);
    env_->release_mapped_pages();
  }
}

status block_store::put(block b) {
  bool full = false;
  {
    std::lock_guard<std::mutex> lk(buf_mu_);
    buf_bytes_ += b.data.size();
    buf_.push_back({std::move(b), current_session()});
    full = buf_bytes_ >= flush_threshold;
  }
  return full ? flush() : status{};
}

status block_store::flush() {
  std::lock_guard<std::mutex> fl(flush_mu_);
  {
    std::lock_guard<std::mutex> lk(buf_mu_);
    if (buf_.empty())
      return {};
    flushing_.swap(buf_);
    buf_bytes_ = 0;
  }
  // Readers still find these blocks in flushing_ until the commit is visible to them.
  status st = commit_blocks(flushing_);
  std::lock_guard<std::mutex> lk(buf_mu_);
  flushing_.clear();
  return st;
}

status block_store::put_batch(std::vector<block> blocks) {
  uint64_t session;
  {
    std::lock_guard<std::mutex> lk(buf_mu_);
    session = current_session();
  }
  return put_batch(std::move(blocks), session);
}

status block_store::put_batch(std::vector<block> blocks, uint64_t session) {
  std::vector<staged> st;
  st.reserve(blocks.size());
  for (auto& b : blocks)
    st.push_back({std::move(b), session});
  return commit_blocks(st);
}

// ---- reads ----

std::optional<std::string> block_store::buffered(const std::string& mh) {
  std::lock_guard<std::mutex> lk(buf_mu_);
  for (const auto* v : {&buf_, &flushing_})
    for (const auto& s : *v)
      if (s.b.cid.mh == mh)
        return s.b.data;
  return std::nullopt;
}

std::optional<uint64_t> block_store::buffered_size(const std::string& mh) {
  std::lock_guard<std::mutex> lk(buf_mu_);
  for (const auto* v : {&buf_, &flushing_})
    for (const auto& s : *v)
      if (s.b.cid.mh == mh)
        return s.b.data.size();
  return std::nullopt;
}

status block_store::read(const cid& c, const std::function<status(std::string_view)>& fn) {
  if (auto st = check_key(c); !st)
    return st;
  if (auto id = identity_data(c.mh))
    return fn(*id);
  if (auto b = buffered(c.mh))
    return fn(*b);
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return t.err();
  auto v = t->get(db_->blocks, c.mh);
  if (!v)
    return v.err();
  if (!*v)
    return make_error(errc::not_found, "block " + describe_cid(c) + " is not in the store");
  auto s = fn(**v);
  t->abort();
  note_touched((*v)->size());
  return s;
}

result<std::string> block_store::get(const cid& c) {
  if (auto st = check_key(c); !st)
    return st.err();
  if (auto id = identity_data(c.mh))
    return std::string(*id);
  if (auto b = buffered(c.mh))
    return std::move(*b);
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return t.err();
  auto v = t->get(db_->blocks, c.mh);
  if (!v)
    return v.err();
  if (!*v)
    return make_error(errc::not_found, "block " + describe_cid(c) + " is not in the store");
  bool via_map = true;
  std::string out = env_->copy_out(**v, &via_map);
  t->abort();
  if (via_map)
    note_touched(out.size());
  return out;
}

result<bool> block_store::has(const cid& c) {
  auto n = block_size(c);
  if (n)
    return true;
  if (n.err().code == errc::not_found)
    return false;
  return n.err();
}

result<uint64_t> block_store::block_size(const cid& c) {
  if (auto st = check_key(c); !st)
    return st.err();
  if (auto id = identity_data(c.mh))
    return uint64_t{id->size()};
  if (auto n = buffered_size(c.mh))
    return *n;
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return t.err();
  auto v = t->get(db_->blocks, c.mh);
  if (!v)
    return v.err();
  if (!*v)
    return make_error(errc::not_found, "block " + describe_cid(c) + " is not in the store");
  return uint64_t{(*v)->size()};
}

status block_store::remove(const cid& c) {
  release_mapping_on_exit release{*env_};
  if (auto st = check_key(c); !st)
    return st;
  if (auto f = flush(); !f)
    return f;
  std::lock_guard<std::mutex> lk(write_mu_);
  auto t = lmdb::txn::begin(*env_, false);
  if (!t)
    return t.err();
  auto pins = load_pins(*t, db_->pins);
  if (!pins)
    return pins.err();
  if (const stored_pin* pinned = find_pin(*pins, c))
    return make_error(errc::conflict, "block " + describe_cid(c) + " is pinned " +
                                        to_string(pinned->rec.type) + " as " +
                                        describe_cid(pinned->id) + "; unpin it first");
  // Removing a block inside a recursively pinned DAG would break that pin's promise.
  for (const auto& p : *pins) {
    if (p.rec.type != pin_type::recursive)
      continue;
    std::unordered_set<std::string> seen;
    auto st = walk_dag(*t, db_->blocks, p.id, seen, [](const cid&) {}, env_.get());
    if (!st)
      return st;
    if (seen.count(c.mh))
      return make_error(errc::conflict, "block " + describe_cid(c) + " is pinned indirectly through " +
                                          describe_cid(p.id) + "; unpin that first");
  }
  auto v = t->get(db_->blocks, c.mh);
  if (!v)
    return v.err();
  if (!*v)
    return make_error(errc::not_found, "block " + describe_cid(c) + " is not in the store");
  if (auto d = delete_block(*t, db_->blocks, db_->meta, c.mh, (*v)->size()); !d)
    return d;
  return t->commit();
}

result<uint64_t> block_store::lose_leaves(const cid& root, uint32_t percent) {
  if (percent == 0 || percent > 100)
    return make_error(errc::invalid_input, "percent must be 1..100");
  // Leaves in DAG order (depth first), read before anything is deleted.
  std::vector<cid> leaves;
  std::vector<cid> stack{root};
  while (!stack.empty()) {
    cid c = stack.back();
    stack.pop_back();
    if (c.codec != codec::dag_pb) {
      leaves.push_back(c);
      continue;
    }
    auto bytes = get(c);
    if (!bytes)
      return bytes.err();
    auto links = dag_pb::decode_links(*bytes);
    if (!links)
      return links.err();
    if (links->empty()) {
      leaves.push_back(c);
      continue;
    }
    for (auto it = links->rbegin(); it != links->rend(); ++it)
      stack.push_back(it->target);
  }
  uint64_t want = std::max<uint64_t>(1, leaves.size() * percent / 100);
  uint64_t step = std::max<uint64_t>(1, leaves.size() / want);
  uint64_t removed = 0;
  for (uint64_t i = 0; i < leaves.size() && removed < want; i += step) {
    std::lock_guard<std::mutex> lk(write_mu_);
    auto t = lmdb::txn::begin(*env_, false);
    if (!t)
      return t.err();
    auto v = t->get(db_->blocks, leaves[i].mh);
    if (!v)
      return v.err();
    if (!*v)
      continue;
    if (auto d = delete_block(*t, db_->blocks, db_->meta, leaves[i].mh, (*v)->size()); !d)
      return d.err();
    if (auto cm = t->commit(); !cm)
      return cm.err();
    ++removed;
  }
  return removed;
}

// ---- pins ----

status block_store::durable_sync() { return opt_.durable_commits ? env_->sync(true) : status{}; }

status block_store::pin(const cid& c, pin_type type, const std::string& name) {
  release_mapping_on_exit release{*env_};
  if (auto st = check_key(c); !st)
    return st;
  if (type != pin_type::direct && type != pin_type::recursive)
    return make_error(errc::invalid_input, "pin type must be direct or recursive");
  // Blocks put() just before pinning must be committed before the completeness check.
  if (auto f = flush(); !f)
    return f;
  std::lock_guard<std::mutex> lk(write_mu_);
  auto t = lmdb::txn::begin(*env_, false);
  if (!t)
    return t.err();
  auto pins = load_pins(*t, db_->pins);
  if (!pins)
    return pins.err();
  const stored_pin* existing = find_pin(*pins, c);
  if (type == pin_type::direct && existing && existing->rec.type == pin_type::recursive)
    return make_error(errc::conflict, describe_cid(c) + " is already pinned recursively");
  // Checked inside the write txn: no remove() or gc() can slip in between check and record.
  if (type == pin_type::direct) {
    auto b = block_bytes(*t, db_->blocks, c);
    if (!b)
      return b.err();
    if (!*b)
      return make_error(errc::not_found, "block " + describe_cid(c) + " is not in the store");
  } else {
    std::unordered_set<std::string> seen;
    auto st = walk_dag(*t, db_->blocks, c, seen, [](const cid&) {}, env_.get());
    if (!st)
      return make_error(st.err().code, "cannot pin " + describe_cid(c) + " recursively: " + st.err().message);
  }
  pin_record rec;
  rec.type = type;
  rec.name = name;
  rec.created_unix = now_unix();
  if (existing) {
    if (name.empty())
      rec.name = existing->rec.name;
    rec.created_unix = existing->rec.created_unix;
    // One record per multihash: a re-pin under the other CID version replaces the old key.
    auto d = t->del(db_->pins, existing->id.bytes());
    if (!d)
      return d.err();
  }
  auto w = t->put(db_->pins, c.bytes(), encode(rec));
  if (!w)
    return w.err();
  if (auto cm = t->commit(); !cm)
    return cm;
  return durable_sync();
}

status block_store::unpin(const cid& c, bool recursive) {
  release_mapping_on_exit release{*env_};
  if (auto st = check_key(c); !st)
    return st;
  std::lock_guard<std::mutex> lk(write_mu_);
  auto t = lmdb::txn::begin(*env_, false);
  if (!t)
    return t.err();
  auto pins = load_pins(*t, db_->pins);
  if (!pins)
    return pins.err();
  const stored_pin* existing = find_pin(*pins, c);
  if (!existing) {
    for (const auto& p : *pins) {
      if (p.rec.type != pin_type::recursive)
        continue;
      std::unordered_set<std::string> seen;
      auto st = walk_dag(*t, db_->blocks, p.id, seen, [](const cid&) {}, env_.get());
      if (st && seen.count(c.mh))
        return make_error(errc::conflict, describe_cid(c) + " is pinned indirectly through " +
                                            describe_cid(p.id) + "; unpin that instead");
    }
    return make_error(errc::not_found, describe_cid(c) + " is not pinned");
  }
  if (existing->rec.type == pin_type::recursive && !recursive)
    return make_error(errc::conflict, describe_cid(c) + " is pinned recursively; unpin it recursively");
  auto d = t->del(db_->pins, existing->id.bytes());
  if (!d)
    return d.err();
  if (auto cm = t->commit(); !cm)
    return cm;
  return durable_sync();
}

result<std::vector<pin_info>> block_store::pins(std::optional<pin_type> only, const std::optional<cid>& which) {
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return t.err();
  auto stored = load_pins(*t, db_->pins);
  if (!stored)
    return stored.err();
  std::vector<pin_info> out;
  std::unordered_set<std::string> pinned_mh;
  for (const auto& p : *stored) {
    pinned_mh.insert(p.id.mh);
    if (which && which->mh != p.id.mh)
      continue;
    if (!only || *only == p.rec.type)
      out.push_back({p.id, p.rec.type, p.rec.name});
  }
  if (only && *only != pin_type::indirect)
    return out;
  std::unordered_set<std::string> seen;
  for (const auto& p : *stored) {
    if (p.rec.type != pin_type::recursive)
      continue;
    status st = walk_dag(*t, db_->blocks, p.id, seen, [&](const cid& c) {
      if (pinned_mh.count(c.mh) || (which && which->mh != c.mh))
        return;
      out.push_back({c, pin_type::indirect, {}});
    }, env_.get());
    if (!st)
      return st.err();
  }
  return out;
}

// ---- gc, stat, sync, sessions ----

result<gc_result> block_store::gc() {
  release_mapping_on_exit release{*env_};
  if (auto f = flush(); !f)
    return f.err();
  std::lock_guard<std::mutex> lk(write_mu_);
  auto t = lmdb::txn::begin(*env_, false);
  if (!t)
    return t.err();
  auto stored = load_pins(*t, db_->pins);
  if (!stored)
    return make_error(stored.err().code, "gc aborted, nothing removed: " + stored.err().message);
  auto live = mark_pinned(*t, db_->blocks, *stored, env_.get());
  if (!live)
    return make_error(live.err().code, "gc aborted, nothing removed: " + live.err().message);
  // Blocks of adds still running are not pinned yet but must survive.
  {
    auto cur = lmdb::cursor::open(*t, db_->pending);
    if (!cur)
      return cur.err();
    auto more = cur->seek();
    for (; more && *more; more = cur->next())
      if (cur->key().size() > 8)
        live->insert(std::string(cur->key().substr(8)));
    if (!more)
      return more.err();
  }
  auto cnt = read_counters(*t, db_->meta);
  if (!cnt)
    return cnt.err();
  gc_result res;
  auto cur = lmdb::cursor::open(*t, db_->blocks);
  if (!cur)
    return cur.err();
  auto more = cur->seek();
  for (; more && *more; more = cur->next()) {
    std::string mh(cur->key());
    if (live->count(mh))
      continue;
    uint64_t size = cur->value().size();
    if (auto d = cur->del(); !d)
      return d.err();
    res.freed_bytes += size;
    cnt->num_objects -= std::min<uint64_t>(cnt->num_objects, 1);
    cnt->repo_size -= std::min<uint64_t>(cnt->repo_size, size);
    // The store is keyed by multihash; like Kubo, report removed blocks as CIDv1 raw.
    res.removed.push_back(cid{1, codec::raw, std::move(mh)});
  }
  if (!more)
    return more.err();
  cur->close();
  if (auto w = write_counters(*t, db_->meta, *cnt); !w)
    return w.err();
  if (auto cm = t->commit(); !cm)
    return cm.err();
  return res;
}

result<repo_stat> block_store::stat() {
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return t.err();
  auto cnt = read_counters(*t, db_->meta);
  if (!cnt)
    return cnt.err();
  repo_stat s;
  s.num_objects = cnt->num_objects;
  s.repo_size = cnt->repo_size;
  s.storage_max = env_->map_size();
  s.file_size = env_->file_size();
  return s;
}

status block_store::sync() {
  if (auto f = flush(); !f)
    return f;
  return env_->sync(true);
}

uint64_t block_store::begin_session() {
  std::lock_guard<std::mutex> lk(buf_mu_);
  uint64_t id = next_session_++;
  sessions_.insert(id);
  return id;
}

status block_store::end_session(uint64_t id) {
  release_mapping_on_exit release{*env_};
  {
    std::lock_guard<std::mutex> lk(buf_mu_);
    if (!sessions_.count(id))
      return make_error(errc::not_found, "add session " + std::to_string(id) + " is not open");
  }
  // Buffered blocks of this session must be recorded before their entries are cleared, or
  // they would be written as pending after the session ended.
  if (auto f = flush(); !f)
    return f;
  std::lock_guard<std::mutex> lk(write_mu_);
  auto t = lmdb::txn::begin(*env_, false);
  if (!t)
    return t.err();
  auto cur = lmdb::cursor::open(*t, db_->pending);
  if (!cur)
    return cur.err();
  std::string prefix = u64_be(id);
  auto more = cur->seek(prefix);
  size_t deleted = 0;
  for (; more && *more && cur->key().substr(0, 8) == prefix; more = cur->next()) {
    if (auto d = cur->del(); !d)
      return d;
    if (++deleted % 1024 == 0) // each page this walk touches maps a whole folio: see above
      env_->release_mapped_pages();
  }
  if (!more)
    return more.err();
  cur->close();
  if (auto cm = t->commit(); !cm)
    return cm;
  std::lock_guard<std::mutex> lk2(buf_mu_);
  sessions_.erase(id);
  return {};
}

} // namespace mantle
