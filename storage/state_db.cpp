#include "storage/state_db.hpp"

#include <botan/hash.h>
#include <msgpack.hpp>

#include "storage/lmdb_env.hpp"
#include "storage/msgpack_read.hpp"
#include "storage/msgpack_write.hpp"

namespace mantle {
namespace {

constexpr std::string_view head_key = "head";

std::string blake2b(std::string_view bytes) {
  thread_local auto h = Botan::HashFunction::create_or_throw("BLAKE2b(256)");
  h->update(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  auto out = h->final();
  return std::string(reinterpret_cast<const char*>(out.data()), out.size());
}

using packer = msgpack::packer<msgpack::sbuffer>;


std::string encode_head(uint64_t height, std::string_view root) {
  msgpack::sbuffer buf;
  packer pk(buf);
  pk.pack_array(2);
  pk.pack_uint64(height);
  pack_bin(pk, root);
  return std::string(buf.data(), buf.size());
}

result<state_head> decode_head(std::optional<std::string_view> bytes) {
  state_head h;
  if (!bytes)
    return h;
  auto oh = unpack_whole(*bytes, msgpack::unpack_limit(4, 0, 64, 64, 0, 2), "state head");
  if (!oh)
    return oh.err();
  const auto& o = oh->get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 2 ||
      o.via.array.ptr[0].type != msgpack::type::POSITIVE_INTEGER || o.via.array.ptr[1].type != msgpack::type::BIN)
    return make_error(errc::corrupt, "state head: not [height, root]");
  h.initialized = true;
  h.height = o.via.array.ptr[0].via.u64;
  h.root.assign(o.via.array.ptr[1].via.bin.ptr, o.via.array.ptr[1].via.bin.size);
  return h;
}

result<std::vector<std::pair<std::string, std::string>>> scan_lmdb(const lmdb::txn& t, unsigned dbi,
                                                                   std::string_view prefix,
                                                                   std::string_view after = {},
                                                                   size_t limit = SIZE_MAX) {
  std::vector<std::pair<std::string, std::string>> out;
  auto c = lmdb::cursor::open(t, dbi);
  if (!c)
    return c.err();
  bool resume = !after.empty() && after > prefix;
  auto more = c->seek(resume ? after : prefix);
  while (more && *more && out.size() < limit) {
    auto k = c->key();
    if (k.substr(0, prefix.size()) != prefix)
      break;
    if (!(resume && k == after))
      out.emplace_back(std::string(k), std::string(c->value()));
    more = c->next();
  }
  if (!more)
    return more.err();
  return out;
}

} // namespace

state_db::state_db(std::unique_ptr<lmdb::env> env, unsigned state_dbi, unsigned head_dbi)
  : env_(std::move(env)), state_dbi_(state_dbi), head_dbi_(head_dbi) {}

state_db::~state_db() = default;

result<std::unique_ptr<state_db>> state_db::open(const std::string& dir, uint64_t map_size) {
  lmdb::env_options eo;
  eo.map_size = map_size;
  eo.max_dbs = 4;
  auto env = lmdb::env::open(dir, eo);
  if (!env)
    return env.err();
  auto t = lmdb::txn::begin(**env, false);
  if (!t)
    return t.err();
  MDB_dbi state = 0, head = 0;
  if (auto s = t->open_dbs({{"state", &state}, {"head", &head}}); !s)
    return s.err();
  if (auto s = t->commit(); !s)
    return s.err();
  return std::unique_ptr<state_db>(new state_db(std::move(*env), state, head));
}

// The head record as seen by transaction `t`.
static result<state_head> read_head(const lmdb::txn& t, unsigned head_dbi) {
  auto v = t.get(head_dbi, head_key);
  if (!v)
    return v.err();
  return decode_head(*v);
}

result<state_head> state_db::head() const {
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return t.err();
  return read_head(*t, head_dbi_);
}

result<std::unique_ptr<state_read>> state_db::begin_read() const {
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return t.err();
  auto h = read_head(*t, head_dbi_);
  if (!h)
    return h.err();
  std::unique_ptr<state_read> r(new state_read());
  r->txn_ = std::make_unique<lmdb::txn>(std::move(*t));
  r->dbi_ = state_dbi_;
  r->head_ = std::move(*h);
  return r;
}

result<std::unique_ptr<state_write>> state_db::begin_write() {
  auto t = lmdb::txn::begin(*env_, false);
  if (!t)
    return t.err();
  auto h = read_head(*t, head_dbi_);
  if (!h)
    return h.err();
  std::unique_ptr<state_write> w(new state_write());
  w->db_ = this;
  w->txn_ = std::make_unique<lmdb::txn>(std::move(*t));
  w->base_ = std::move(*h);
  return w;
}

state_read::~state_read() = default;

result<std::optional<std::string>> state_read::get(std::string_view key) const {
  auto v = txn_->get(dbi_, key);
  if (!v)
    return v.err();
  if (!*v)
    return std::optional<std::string>();
  return std::optional<std::string>(std::string(**v));
}

result<std::vector<std::pair<std::string, std::string>>> state_read::scan(std::string_view prefix) const {
  return scan_lmdb(*txn_, dbi_, prefix);
}

result<std::vector<std::pair<std::string, std::string>>> state_read::scan_page(std::string_view prefix,
                                                                               std::string_view after,
                                                                               size_t limit) const {
  return scan_lmdb(*txn_, dbi_, prefix, after, limit);
}

state_write::~state_write() { abort(); }

result<std::optional<std::string>> state_write::get(std::string_view key) const {
  if (in_tx_)
    if (auto it = tx_.find(key); it != tx_.end())
      return it->second;
  if (auto it = block_.find(key); it != block_.end())
    return it->second;
  if (!txn_)
    return make_error(errc::internal, "state write already ended");
  auto v = txn_->get(db_->state_dbi_, key);
  if (!v)
    return v.err();
  if (!*v)
    return std::optional<std::string>();
  return std::optional<std::string>(std::string(**v));
}

result<std::vector<std::pair<std::string, std::string>>> state_write::scan(std::string_view prefix) const {
  if (!txn_)
    return make_error(errc::internal, "state write already ended");
  auto base = scan_lmdb(*txn_, db_->state_dbi_, prefix);
  if (!base)
    return base.err();
  std::map<std::string, std::string, std::less<>> merged(base->begin(), base->end());
  auto layer = [&](const overlay& o) {
    for (auto it = o.lower_bound(prefix); it != o.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      if (it->second)
        merged[it->first] = *it->second;
      else
        merged.erase(it->first);
    }
  };
  layer(block_);
  if (in_tx_)
    layer(tx_);
  return std::vector<std::pair<std::string, std::string>>(merged.begin(), merged.end());
}

void state_write::put(std::string_view key, std::string_view value) {
  auto& o = in_tx_ ? tx_ : block_;
  o[std::string(key)] = std::string(value);
}

void state_write::del(std::string_view key) {
  auto& o = in_tx_ ? tx_ : block_;
  o[std::string(key)] = std::nullopt;
}

void state_write::begin_tx() {
  tx_.clear();
  in_tx_ = true;
}

void state_write::commit_tx() {
  for (auto& [k, v] : tx_)
    block_[k] = std::move(v);
  tx_.clear();
  in_tx_ = false;
}

void state_write::rollback_tx() {
  tx_.clear();
  in_tx_ = false;
}

result<std::string> state_write::finish(uint64_t height) {
  if (!txn_ || finished_)
    return make_error(errc::internal, "state write already finished");
  if (in_tx_)
    commit_tx();
  msgpack::sbuffer ws;
  packer pk(ws);
  pk.pack_array(static_cast<uint32_t>(block_.size()));
  for (const auto& [k, v] : block_) {
    pk.pack_array(2);
    pack_bin(pk, k);
    if (v) {
      pack_bin(pk, *v);
      auto r = txn_->put(db_->state_dbi_, k, *v);
      if (!r)
        return r.err();
    } else {
      pk.pack_nil();
      auto r = txn_->del(db_->state_dbi_, k);
      if (!r)
        return r.err();
    }
  }
  std::string prev = base_.initialized ? base_.root : std::string();
  msgpack::sbuffer rb;
  packer rp(rb);
  rp.pack_array(4);
  rp.pack_str(12);
  rp.pack_str_body("mantle/state", 12);
  pack_bin(rp, prev);
  rp.pack_uint64(height);
  pack_bin(rp, blake2b(std::string_view(ws.data(), ws.size())));
  std::string root = blake2b(std::string_view(rb.data(), rb.size()));
  auto r = txn_->put(db_->head_dbi_, head_key, encode_head(height, root));
  if (!r)
    return r.err();
  finished_ = true;
  return root;
}

status state_write::commit() {
  if (!txn_ || !finished_)
    return make_error(errc::internal, "state write: commit without finish");
  auto s = txn_->commit();
  txn_.reset();
  return s;
}

void state_write::abort() {
  if (txn_) {
    txn_->abort();
    txn_.reset();
  }
  block_.clear();
  tx_.clear();
}

} // namespace mantle
