#include "storage/chain_store.hpp"

#include <msgpack.hpp>

#include "storage/lmdb_env.hpp"
#include "storage/msgpack_read.hpp"
#include "storage/msgpack_write.hpp"

namespace mantle::chain {

struct chain_store::tables {
  MDB_dbi blocks = 0, ids = 0, txs = 0, head = 0, meta = 0;
};

namespace {

constexpr std::string_view k_head = "head";
constexpr size_t max_meta_key = 511; // LMDB's default maximum key size

std::string height_key(uint64_t h) {
  std::string k(8, '\0');
  for (int i = 7; i >= 0; --i, h >>= 8)
    k[i] = static_cast<char>(h & 0xff);
  return k;
}

uint64_t read_height_key(std::string_view k) {
  uint64_t h = 0;
  for (char c : k)
    h = (h << 8) | static_cast<unsigned char>(c);
  return h;
}

using packer = msgpack::packer<msgpack::sbuffer>;


std::string as_string(const msgpack::sbuffer& b) { return std::string(b.data(), b.size()); }

error corrupt(const std::string& what) {
  return make_error(errc::corrupt, "chain store: " + what +
                                     " (the database is damaged; restore the data directory or resync the chain)");
}

// Wraps an LMDB error with which chain store operation failed.
error failed(const error& e, const std::string& what) { return error{e.code, "chain store: " + what + ": " + e.message}; }

std::string_view bin_view(const msgpack::object& o) { return {o.via.bin.ptr, o.via.bin.size}; }

// Record shapes. Reads accept appended fields (a later version may add some).
struct block_record {
  std::string_view id, block_hash, block, cert;
};

result<block_record> read_block_record(const msgpack::object& o, uint64_t height) {
  std::string at = "block record at height " + std::to_string(height);
  if (o.type != msgpack::type::ARRAY || o.via.array.size < 4)
    return corrupt(at + " is not an array of 4 fields");
  const msgpack::object* f = o.via.array.ptr;
  for (int i = 0; i < 4; ++i)
    if (f[i].type != msgpack::type::BIN)
      return corrupt(at + ": field " + std::to_string(i) + " is not bytes");
  if (f[0].via.bin.size != hash_size || f[1].via.bin.size != hash_size)
    return corrupt(at + ": id or block hash is not " + std::to_string(hash_size) + " bytes");
  return block_record{bin_view(f[0]), bin_view(f[1]), bin_view(f[2]), bin_view(f[3])};
}

std::string encode_location(const tx_location& l) {
  msgpack::sbuffer buf;
  packer pk(buf);
  pk.pack_array(2);
  pk.pack_uint64(l.height);
  pk.pack_uint32(l.index);
  return as_string(buf);
}

result<tx_location> decode_location(std::string_view bytes) {
  auto oh = unpack_whole(bytes, msgpack::unpack_limit(8, 0, 0, 0, 0, 2), "chain store: tx index record");
  if (!oh)
    return corrupt(oh.err().message);
  const auto& o = oh->get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size < 2 ||
      o.via.array.ptr[0].type != msgpack::type::POSITIVE_INTEGER ||
      o.via.array.ptr[1].type != msgpack::type::POSITIVE_INTEGER || o.via.array.ptr[1].via.u64 > UINT32_MAX)
    return corrupt("tx index record is not [height, index]");
  return tx_location{o.via.array.ptr[0].via.u64, static_cast<uint32_t>(o.via.array.ptr[1].via.u64)};
}

std::string encode_head(const chain_head& h) {
  msgpack::sbuffer buf;
  packer pk(buf);
  pk.pack_array(2);
  pk.pack_uint64(h.height);
  pack_bin(pk, h.id);
  return as_string(buf);
}

result<chain_head> decode_head(std::string_view bytes) {
  auto oh = unpack_whole(bytes, msgpack::unpack_limit(8, 0, 0, 64, 0, 2), "chain store: head record");
  if (!oh)
    return corrupt(oh.err().message);
  const auto& o = oh->get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size < 2 ||
      o.via.array.ptr[0].type != msgpack::type::POSITIVE_INTEGER || o.via.array.ptr[1].type != msgpack::type::BIN ||
      o.via.array.ptr[1].via.bin.size != hash_size || o.via.array.ptr[0].via.u64 == 0)
    return corrupt("head record is not [height >= 1, 32-byte id]");
  return chain_head{o.via.array.ptr[0].via.u64, std::string(bin_view(o.via.array.ptr[1]))};
}

status check_meta_key(std::string_view key) {
  if (key.empty() || key.size() > max_meta_key)
    return make_error(errc::invalid_input, "chain store: meta key must be 1.." + std::to_string(max_meta_key) +
                                             " bytes, got " + std::to_string(key.size()));
  return {};
}

} // namespace

chain_store::chain_store(std::unique_ptr<lmdb::env> owned, lmdb::env& env, std::unique_ptr<tables> t)
  : owned_(std::move(owned)), env_(&env), db_(std::move(t)) {}

chain_store::~chain_store() = default;

result<std::unique_ptr<chain_store>> chain_store::open(const std::string& dir, const chain_store_options& opt) {
  lmdb::env_options eo;
  eo.map_size = opt.map_size;
  eo.max_dbs = chain_store_tables + 1;
  if (!opt.durable)
    eo.flags = MDB_NOSYNC;
  auto env = lmdb::env::open(dir, eo);
  if (!env)
    return failed(env.err(), "open");
  lmdb::env& e = **env;
  return make(std::move(*env), e);
}

result<std::unique_ptr<chain_store>> chain_store::attach(lmdb::env& env) { return make(nullptr, env); }

result<std::unique_ptr<chain_store>> chain_store::make(std::unique_ptr<lmdb::env> owned, lmdb::env& env) {
  auto t = lmdb::txn::begin(env, false);
  if (!t)
    return failed(t.err(), "open");
  auto tabs = std::make_unique<tables>();
  if (auto s = t->open_dbs({{"chain_blocks", &tabs->blocks},
                            {"chain_ids", &tabs->ids},
                            {"chain_txs", &tabs->txs},
                            {"chain_head", &tabs->head},
                            {"chain_meta", &tabs->meta}});
      !s)
    return failed(s.err(), "open tables in " + env.path());
  if (auto s = t->commit(); !s)
    return failed(s.err(), "open");
  std::unique_ptr<chain_store> cs(new chain_store(std::move(owned), env, std::move(tabs)));
  // A head that does not name a readable block means the database is damaged: say so at open
  // rather than at the first catch-up request.
  auto h = cs->head();
  if (!h)
    return h.err();
  if (h->height > 0) {
    auto b = cs->get_block(h->height);
    if (!b)
      return b.err();
    if (!*b || (*b)->id != h->id)
      return corrupt("head " + std::to_string(h->height) + " does not match the stored block");
  }
  return cs;
}

status chain_store::sync() { return env_->sync(true); }

// ---- writes ----

status chain_store::put_block(std::string_view block_bytes, std::string_view id, const commit_cert& cert,
                              const meta_writes& meta) {
  auto t = lmdb::txn::begin(*env_, false);
  if (!t)
    return failed(t.err(), "put block");
  if (auto s = put_block(*t, block_bytes, id, cert, meta); !s)
    return s;
  if (auto s = t->commit(); !s)
    return failed(s.err(), "put block");
  return {};
}

status chain_store::put_block(lmdb::txn& t, std::string_view block_bytes, std::string_view id,
                              const commit_cert& cert, const meta_writes& meta) {
  auto bad = [](const std::string& why) { return make_error(errc::invalid_input, "chain store: " + why); };
  auto b = decode_block(block_bytes);
  if (!b)
    return bad("cannot store block: " + b.err().message);
  const uint64_t height = b->header.height;
  const std::string at = "block " + std::to_string(height);
  if (id != block_id(b->header))
    return bad(at + ": the given id " + to_hex(id) + " is not the hash of its header");
  if (auto s = check_body(*b); !s)
    return bad(s.err().message);
  if (cert.empty())
    return bad(at + ": the commit certificate has no signatures");
  if (cert.height != height || cert.block_id != id)
    return bad(at + ": the commit certificate is for height " + std::to_string(cert.height) + " block " +
               to_hex(cert.block_id) + ", not this block");
  for (const auto& [k, v] : meta)
    if (auto s = check_meta_key(k); !s)
      return s;

  auto h = head(t);
  if (!h)
    return h.err();
  if (height != h->height + 1)
    return make_error(errc::conflict, "chain store: " + at + " is not the next block (head is " +
                                        std::to_string(h->height) + ", next is " + std::to_string(h->height + 1) + ")");
  if (b->header.prev_hash != h->id)
    return make_error(errc::conflict, "chain store: " + at + " links to previous block " + to_hex(b->header.prev_hash) +
                                        " but the stored block " + std::to_string(h->height) + " is " +
                                        (h->id.empty() ? std::string("absent (expected an empty link)") : to_hex(h->id)));

  std::string cert_bytes = encode(cert);
  msgpack::sbuffer rec;
  packer pk(rec);
  pk.pack_array(4);
  pack_bin(pk, id);
  pack_bin(pk, hash(block_bytes));
  pack_bin(pk, block_bytes);
  pack_bin(pk, cert_bytes);

  auto write = [&](MDB_dbi db, std::string_view k, std::string_view v, unsigned flags) -> status {
    auto r = t.put(db, k, v, flags);
    if (!r)
      return failed(r.err(), "store " + at);
    return {};
  };
  const std::string hk = height_key(height);
  if (auto s = write(db_->blocks, hk, std::string_view(rec.data(), rec.size()), 0); !s)
    return s;
  if (auto s = write(db_->ids, id, hk, 0); !s)
    return s;
  for (size_t i = 0; i < b->txs.size(); ++i) {
    // A tx repeated in a later block (or twice in one) keeps its first location: that is where
    // it took effect; a replay fails on its nonce.
    if (auto s = write(db_->txs, hash(b->txs[i]), encode_location({height, static_cast<uint32_t>(i)}), MDB_NOOVERWRITE); !s)
      return s;
  }
  for (const auto& [k, v] : meta)
    if (auto s = write(db_->meta, k, v, 0); !s)
      return s;
  return write(db_->head, k_head, encode_head({height, std::string(id)}), 0);
}

status chain_store::put_meta(std::string_view key, std::string_view value) {
  auto t = lmdb::txn::begin(*env_, false);
  if (!t)
    return failed(t.err(), "put meta");
  if (auto s = put_meta(*t, key, value); !s)
    return s;
  if (auto s = t->commit(); !s)
    return failed(s.err(), "put meta");
  return {};
}

status chain_store::put_meta(lmdb::txn& t, std::string_view key, std::string_view value) {
  if (auto s = check_meta_key(key); !s)
    return s;
  if (auto r = t.put(db_->meta, key, value); !r)
    return failed(r.err(), "put meta");
  return {};
}

status chain_store::del_meta(std::string_view key) {
  if (auto s = check_meta_key(key); !s)
    return s;
  auto t = lmdb::txn::begin(*env_, false);
  if (!t)
    return failed(t.err(), "delete meta");
  if (auto r = t->del(db_->meta, key); !r)
    return failed(r.err(), "delete meta");
  if (auto s = t->commit(); !s)
    return failed(s.err(), "delete meta");
  return {};
}

// ---- reads ----

result<chain_head> chain_store::head() const {
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return failed(t.err(), "read head");
  return head(*t);
}

result<chain_head> chain_store::head(const lmdb::txn& t) const {
  auto v = t.get(db_->head, k_head);
  if (!v)
    return failed(v.err(), "read head");
  if (!*v)
    return chain_head{};
  return decode_head(**v);
}

result<std::optional<stored_block>> chain_store::read_block(const lmdb::txn& t, uint64_t height) const {
  auto v = t.get(db_->blocks, height_key(height));
  if (!v)
    return failed(v.err(), "read block " + std::to_string(height));
  if (!*v)
    return std::optional<stored_block>{};
  // Field sizes are bounded by the block and certificate limits; the record is at most 4 items.
  decode_limits lim;
  auto oh = unpack_whole(**v, msgpack::unpack_limit(8, 0, 0, lim.max_block_bytes, 0, 2),
                         "block record at height " + std::to_string(height));
  if (!oh)
    return corrupt(oh.err().message);
  auto rec = read_block_record(oh->get(), height);
  if (!rec)
    return rec.err();
  if (hash(rec->block) != rec->block_hash)
    return corrupt("block bytes at height " + std::to_string(height) + " do not match their stored hash");
  auto cert = decode_commit_cert(rec->cert);
  if (!cert)
    return corrupt("certificate at height " + std::to_string(height) + ": " + cert.err().message);
  if (cert->height != height || cert->block_id != rec->id)
    return corrupt("certificate at height " + std::to_string(height) + " is for another block");
  stored_block out;
  out.height = height;
  out.id = std::string(rec->id);
  out.block = std::string(rec->block);
  out.cert = std::move(*cert);
  out.cert_size = rec->cert.size();
  return std::optional<stored_block>{std::move(out)};
}

result<std::optional<stored_block>> chain_store::get_block(uint64_t height) const {
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return failed(t.err(), "read block");
  return read_block(*t, height);
}

result<std::optional<uint64_t>> chain_store::height_of(std::string_view id) const {
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return failed(t.err(), "read block id");
  if (id.empty())
    return std::optional<uint64_t>{};
  auto v = t->get(db_->ids, id);
  if (!v)
    return failed(v.err(), "read block id");
  if (!*v)
    return std::optional<uint64_t>{};
  if ((*v)->size() != 8)
    return corrupt("height entry of block " + to_hex(id) + " is not 8 bytes");
  return std::optional<uint64_t>{read_height_key(**v)};
}

result<std::optional<stored_block>> chain_store::get_block_by_id(std::string_view id) const {
  auto h = height_of(id);
  if (!h)
    return h.err();
  if (!*h)
    return std::optional<stored_block>{};
  auto b = get_block(**h);
  if (!b)
    return b;
  if (!*b || (*b)->id != id)
    return corrupt("block id " + to_hex(id) + " points to height " + std::to_string(**h) + " which holds another block");
  return b;
}

result<std::optional<tx_location>> chain_store::find_tx(std::string_view tx_hash) const {
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return failed(t.err(), "read tx index");
  if (tx_hash.empty())
    return std::optional<tx_location>{};
  auto v = t->get(db_->txs, tx_hash);
  if (!v)
    return failed(v.err(), "read tx index");
  if (!*v)
    return std::optional<tx_location>{};
  auto l = decode_location(**v);
  if (!l)
    return l.err();
  return std::optional<tx_location>{*l};
}

result<std::optional<located_tx>> chain_store::get_tx(std::string_view tx_hash) const {
  auto l = find_tx(tx_hash);
  if (!l)
    return l.err();
  if (!*l)
    return std::optional<located_tx>{};
  auto sb = get_block((*l)->height);
  if (!sb)
    return sb.err();
  std::string where = "tx " + to_hex(tx_hash) + " indexed at height " + std::to_string((*l)->height);
  if (!*sb)
    return corrupt(where + ", which is missing");
  auto b = decode_block((*sb)->block);
  if (!b)
    return corrupt(where + ": " + b.err().message);
  if ((*l)->index >= b->txs.size() || hash(b->txs[(*l)->index]) != tx_hash)
    return corrupt(where + " index " + std::to_string((*l)->index) + ", which holds another tx");
  return std::optional<located_tx>{located_tx{**l, std::move(b->txs[(*l)->index])}};
}

result<std::vector<stored_block>> chain_store::get_range(uint64_t from, size_t max_count, size_t max_bytes) const {
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return failed(t.err(), "read blocks");
  auto h = head(*t);
  if (!h)
    return h.err();
  std::vector<stored_block> out;
  size_t bytes = 0;
  for (uint64_t height = std::max<uint64_t>(from, 1); height <= h->height && out.size() < max_count; ++height) {
    auto b = read_block(*t, height);
    if (!b)
      return b.err();
    if (!*b)
      return corrupt("block " + std::to_string(height) + " below the head " + std::to_string(h->height) + " is missing");
    size_t size = (*b)->block.size() + (*b)->cert_size;
    if (!out.empty() && size > max_bytes - std::min(bytes, max_bytes))
      break;
    bytes += size;
    out.push_back(std::move(**b));
  }
  return out;
}

result<std::optional<std::string>> chain_store::get_meta(std::string_view key) const {
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return failed(t.err(), "read meta");
  return get_meta(*t, key);
}

result<std::optional<std::string>> chain_store::get_meta(const lmdb::txn& t, std::string_view key) const {
  if (auto s = check_meta_key(key); !s)
    return s.err();
  auto v = t.get(db_->meta, key);
  if (!v)
    return failed(v.err(), "read meta");
  if (!*v)
    return std::optional<std::string>{};
  return std::optional<std::string>{std::string(**v)};
}

} // namespace mantle::chain
