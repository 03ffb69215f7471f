#include "storage/credit_store.hpp"

#include "storage/lmdb_env.hpp"
#include "storage/msgpack_read.hpp"

namespace mantle {

std::string encode(const peer_credit& c) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(3);
  pk.pack_uint64(c.sent);
  pk.pack_uint64(c.received);
  pk.pack_uint64(c.exchanged);
  return std::string(buf.data(), buf.size());
}

result<peer_credit> decode_peer_credit(std::string_view bytes) {
  auto bad = [](const std::string& why) { return make_error(errc::corrupt, "credit record: " + why); };
  // Small limits: a record is three integers, so a hostile length prefix cannot allocate much.
  auto oh = unpack_whole(bytes, msgpack::unpack_limit(16, 16, 1024, 1024, 1024, 4), "credit record");
  if (!oh)
    return oh.err();
  const msgpack::object& o = oh->get();
  if (o.type != msgpack::type::ARRAY)
    return bad("not an array");
  if (o.via.array.size < 3)
    return bad("expected 3 fields, found " + std::to_string(o.via.array.size));
  const msgpack::object* f = o.via.array.ptr;
  for (int i = 0; i < 3; ++i)
    if (f[i].type != msgpack::type::POSITIVE_INTEGER)
      return bad("field " + std::to_string(i) + " is not an unsigned integer");
  return peer_credit{f[0].via.u64, f[1].via.u64, f[2].via.u64};
}

credit_store::credit_store(std::unique_ptr<lmdb::env> env, unsigned dbi)
  : env_(std::move(env)), dbi_(dbi) {}

credit_store::~credit_store() = default;

result<std::unique_ptr<credit_store>> credit_store::open(const std::string& dir) {
  lmdb::env_options eo;
  eo.map_size = 1ull << 30; // a few hundred bytes per peer: 1 GiB of address space is plenty
  eo.max_dbs = 4;
  auto env = lmdb::env::open(dir, eo);
  if (!env)
    return env.err();
  auto t = lmdb::txn::begin(**env, false);
  if (!t)
    return t.err();
  auto d = t->open_db("credit", true);
  if (!d)
    return d.err();
  if (auto s = t->commit(); !s)
    return s.err();
  return std::unique_ptr<credit_store>(new credit_store(std::move(*env), *d));
}

result<std::map<std::string, peer_credit>> credit_store::load_all() const {
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return t.err();
  std::map<std::string, peer_credit> out;
  {
    auto c = lmdb::cursor::open(*t, dbi_);
    if (!c)
      return c.err();
    auto more = c->seek();
    while (more && *more) {
      auto rec = decode_peer_credit(c->value());
      if (!rec)
        return make_error(errc::corrupt, "peer " + std::string(c->key()) + ": " + rec.err().message);
      out.emplace(std::string(c->key()), *rec);
      more = c->next();
    }
    if (!more)
      return more.err();
  }
  return out;
}

status credit_store::save(const std::map<std::string, peer_credit>& batch) {
  if (batch.empty())
    return {};
  auto t = lmdb::txn::begin(*env_, false);
  if (!t)
    return t.err();
  for (const auto& [peer, credit] : batch)
    if (auto r = t->put(dbi_, peer, encode(credit)); !r)
      return r.err();
  return t->commit();
}

} // namespace mantle
