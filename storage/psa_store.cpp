#include "storage/psa_store.hpp"

#include <botan/hex.h>
#include <botan/system_rng.h>

#include <algorithm>
#include <cctype>
#include <msgpack.hpp>

#include "storage/lmdb_env.hpp"
#include "storage/msgpack_read.hpp"

namespace mantle::psa {

struct psa_store::tables {
  MDB_dbi requests, order, tokens;
};

namespace {

error corrupt(const std::string& why) { return make_error(errc::corrupt, "pin request record: " + why); }

void pack_pairs(msgpack::packer<msgpack::sbuffer>& pk, const std::map<std::string, std::string>& m) {
  // Pairs as arrays, never msgpack maps, so the encoding has one fixed form.
  pk.pack_array(static_cast<uint32_t>(m.size()));
  for (auto& [k, v] : m) {
    pk.pack_array(2);
    pk.pack(k);
    pk.pack(v);
  }
}

void pack_strings(msgpack::packer<msgpack::sbuffer>& pk, const std::vector<std::string>& v) {
  pk.pack_array(static_cast<uint32_t>(v.size()));
  for (auto& s : v)
    pk.pack(s);
}

bool read_str(const msgpack::object& o, std::string& out) {
  if (o.type != msgpack::type::STR)
    return false;
  out.assign(o.via.str.ptr, o.via.str.size);
  return true;
}

bool read_u64(const msgpack::object& o, uint64_t& out) {
  if (o.type != msgpack::type::POSITIVE_INTEGER)
    return false;
  out = o.via.u64;
  return true;
}

bool read_strings(const msgpack::object& o, std::vector<std::string>& out) {
  if (o.type != msgpack::type::ARRAY)
    return false;
  out.resize(o.via.array.size);
  for (uint32_t i = 0; i < o.via.array.size; ++i)
    if (!read_str(o.via.array.ptr[i], out[i]))
      return false;
  return true;
}

bool read_pairs(const msgpack::object& o, std::map<std::string, std::string>& out) {
  if (o.type != msgpack::type::ARRAY)
    return false;
  for (uint32_t i = 0; i < o.via.array.size; ++i) {
    const auto& p = o.via.array.ptr[i];
    if (p.type != msgpack::type::ARRAY || p.via.array.size != 2)
      return false;
    std::string k, v;
    if (!read_str(p.via.array.ptr[0], k) || !read_str(p.via.array.ptr[1], v))
      return false;
    out[std::move(k)] = std::move(v);
  }
  return true;
}

std::string be64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i) {
    s[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return s;
}

std::string order_key(const request_record& r) { return be64(~r.created_ms) + r.requestid; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool name_matches(const std::string& have, const std::string& want, text_match m) {
  switch (m) {
    case text_match::exact: return have == want;
    case text_match::iexact: return lower(have) == lower(want);
    case text_match::partial: return have.find(want) != std::string::npos;
    case text_match::ipartial: return lower(have).find(lower(want)) != std::string::npos;
  }
  return false;
}

// Calls `fn` with every value of `db` in key order; stops at the first error.
status each_value(const lmdb::txn& t, MDB_dbi db, const std::function<status(std::string_view)>& fn) {
  auto cur = lmdb::cursor::open(t, db);
  if (!cur)
    return cur.err();
  auto at = cur->seek();
  for (; at && *at; at = cur->next())
    if (auto s = fn(cur->value()); !s)
      return s;
  if (!at)
    return at.err();
  return {};
}

// The request stored under `id` in `t`, nullopt when absent.
result<std::optional<request_record>> read_request(const lmdb::txn& t, MDB_dbi db, const std::string& id) {
  auto v = t.get(db, id);
  if (!v)
    return v.err();
  if (!*v)
    return std::optional<request_record>{};
  auto r = decode_request_record(**v);
  if (!r)
    return r.err();
  return std::optional<request_record>{std::move(*r)};
}

std::string new_request_id() {
  Botan::System_RNG rng;
  uint8_t raw[16];
  rng.randomize(raw, sizeof raw);
  return Botan::hex_encode(raw, sizeof raw, false);
}

} // namespace

const char* to_string(pin_status s) {
  switch (s) {
    case pin_status::queued: return "queued";
    case pin_status::pinning: return "pinning";
    case pin_status::pinned: return "pinned";
    case pin_status::failed: return "failed";
  }
  return "unknown";
}

std::optional<pin_status> parse_status(std::string_view s) {
  for (auto st : {pin_status::queued, pin_status::pinning, pin_status::pinned, pin_status::failed})
    if (s == to_string(st))
      return st;
  return std::nullopt;
}

std::optional<text_match> parse_text_match(std::string_view s) {
  if (s == "exact") return text_match::exact;
  if (s == "iexact") return text_match::iexact;
  if (s == "partial") return text_match::partial;
  if (s == "ipartial") return text_match::ipartial;
  return std::nullopt;
}

std::string encode(const request_record& r) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_array(12);
  pk.pack(r.requestid);
  pk.pack(r.cid);
  pk.pack(r.name);
  pack_strings(pk, r.origins);
  pack_pairs(pk, r.meta);
  pk.pack_uint8(static_cast<uint8_t>(r.status));
  pk.pack_uint64(r.created_ms);
  pack_strings(pk, r.delegates);
  pack_pairs(pk, r.info);
  pk.pack(r.failure);
  pk.pack_uint32(r.attempts);
  pk.pack_uint64(r.last_attempt_ms);
  return std::string(buf.data(), buf.size());
}

result<request_record> decode_request_record(std::string_view bytes) {
  auto oh = unpack_whole(bytes, msgpack::unpack_limit(1u << 20, 16, 16u << 20, 16, 16, 8), "pin request record");
  if (!oh)
    return oh.err();
  const msgpack::object& o = oh->get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size < 12)
    return corrupt("expected an array of 12 fields");
  const msgpack::object* f = o.via.array.ptr;
  request_record r;
  uint64_t status = 0, attempts = 0;
  if (!read_str(f[0], r.requestid) || !read_str(f[1], r.cid) || !read_str(f[2], r.name))
    return corrupt("requestid, cid or name is not a string");
  if (!read_strings(f[3], r.origins))
    return corrupt("origins is not a list of strings");
  if (!read_pairs(f[4], r.meta))
    return corrupt("meta is not a list of string pairs");
  if (!read_u64(f[5], status) || status > static_cast<uint64_t>(pin_status::failed))
    return corrupt("unknown status");
  r.status = static_cast<pin_status>(status);
  if (!read_u64(f[6], r.created_ms))
    return corrupt("created is not an unsigned integer");
  if (!read_strings(f[7], r.delegates))
    return corrupt("delegates is not a list of strings");
  if (!read_pairs(f[8], r.info))
    return corrupt("info is not a list of string pairs");
  if (!read_str(f[9], r.failure))
    return corrupt("failure is not a string");
  if (!read_u64(f[10], attempts) || attempts > UINT32_MAX)
    return corrupt("attempts is not a 32-bit unsigned integer");
  r.attempts = static_cast<uint32_t>(attempts);
  if (!read_u64(f[11], r.last_attempt_ms))
    return corrupt("last attempt is not an unsigned integer");
  return r;
}

bool matches(const request_record& r, const request_query& q) {
  if (!q.cids.empty() && std::find(q.cids.begin(), q.cids.end(), r.cid) == q.cids.end())
    return false;
  if (q.name && !name_matches(r.name, *q.name, q.match))
    return false;
  if (!q.statuses.empty() &&
      std::find(q.statuses.begin(), q.statuses.end(), r.status) == q.statuses.end())
    return false;
  if (q.before_ms && !(r.created_ms < *q.before_ms))
    return false;
  if (q.after_ms && !(r.created_ms > *q.after_ms))
    return false;
  for (auto& [k, v] : q.meta) {
    auto it = r.meta.find(k);
    if (it == r.meta.end() || it->second != v)
      return false;
  }
  return true;
}

psa_store::psa_store(std::unique_ptr<lmdb::env> env, std::unique_ptr<tables> t)
  : env_(std::move(env)), db_(std::move(t)) {}

psa_store::~psa_store() = default;

result<std::unique_ptr<psa_store>> psa_store::open(const std::string& dir, bool durable) {
  lmdb::env_options eo;
  eo.map_size = 1ull << 32; // 4 GiB of address space; requests are small
  eo.max_dbs = 8;
  if (!durable)
    eo.flags = MDB_NOSYNC;
  auto env = lmdb::env::open(dir, eo);
  if (!env)
    return env.err();
  auto t = lmdb::txn::begin(**env, false);
  if (!t)
    return t.err();
  auto tabs = std::make_unique<tables>();
  if (auto s = t->open_dbs({{"requests", &tabs->requests}, {"order", &tabs->order}, {"tokens", &tabs->tokens}}); !s)
    return s.err();
  if (auto c = t->commit(); !c)
    return c.err();
  return std::unique_ptr<psa_store>(new psa_store(std::move(*env), std::move(tabs)));
}

result<request_record> psa_store::create(request_record r) {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto t = lmdb::txn::begin(*env_, false);
  if (!t)
    return t.err();
  for (;;) {
    r.requestid = new_request_id();
    auto put = t->put(db_->requests, r.requestid, encode(r), MDB_NOOVERWRITE);
    if (!put)
      return put.err();
    if (*put)
      break; // a 128-bit collision is not going to happen, but never overwrite a request
  }
  if (auto p = t->put(db_->order, order_key(r), ""); !p)
    return p.err();
  if (auto c = t->commit(); !c)
    return c.err();
  return r;
}

result<std::optional<request_record>> psa_store::get(const std::string& requestid) {
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return t.err();
  return read_request(*t, db_->requests, requestid);
}

result<request_record> psa_store::update(const std::string& requestid,
                                         const std::function<void(request_record&)>& fn) {
  auto changed = update_each({requestid}, fn);
  if (!changed)
    return changed.err();
  if (changed->empty())
    return make_error(errc::not_found, "no pin request with id " + requestid);
  return std::move(changed->front());
}

result<std::vector<request_record>> psa_store::update_each(
  const std::vector<std::string>& ids, const std::function<void(request_record&)>& fn) {
  if (ids.empty())
    return std::vector<request_record>{}; // no write transaction, no disk sync
  std::lock_guard<std::mutex> lock(write_mu_);
  auto t = lmdb::txn::begin(*env_, false);
  if (!t)
    return t.err();
  std::vector<request_record> out;
  for (auto& id : ids) {
    auto r = read_request(*t, db_->requests, id);
    if (!r)
      return r.err();
    if (!*r)
      continue;
    request_record changed = **r;
    fn(changed);
    changed.requestid = (*r)->requestid;
    changed.created_ms = (*r)->created_ms;
    if (auto p = t->put(db_->requests, id, encode(changed)); !p)
      return p.err();
    out.push_back(std::move(changed));
  }
  if (auto c = t->commit(); !c)
    return c.err();
  return out;
}

result<bool> psa_store::remove(const std::string& requestid) {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto t = lmdb::txn::begin(*env_, false);
  if (!t)
    return t.err();
  auto r = read_request(*t, db_->requests, requestid);
  if (!r)
    return r.err();
  if (!*r)
    return false;
  if (auto d = t->del(db_->order, order_key(**r)); !d)
    return d.err();
  if (auto d = t->del(db_->requests, requestid); !d)
    return d.err();
  if (auto c = t->commit(); !c)
    return c.err();
  return true;
}

result<query_result> psa_store::find(const request_query& q) {
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return t.err();
  auto cur = lmdb::cursor::open(*t, db_->order);
  if (!cur)
    return cur.err();
  // Newest first; `before` lets the scan start at the first older entry and `after` ends it.
  auto at = cur->seek(q.before_ms ? be64(~(*q.before_ms - (*q.before_ms > 0 ? 1 : 0))) : std::string());
  if (q.before_ms && *q.before_ms == 0)
    return query_result{};
  query_result out;
  for (; at && *at; at = cur->next()) {
    std::string_view key = cur->key();
    if (key.size() < 8)
      return corrupt("short order key");
    uint64_t inv = 0;
    for (size_t i = 0; i < 8; ++i)
      inv = (inv << 8) | static_cast<uint8_t>(key[i]);
    if (q.after_ms && ~inv <= *q.after_ms)
      break;
    auto r = read_request(*t, db_->requests, std::string(key.substr(8)));
    if (!r)
      return r.err();
    if (!*r)
      return corrupt("order entry without a request");
    if (!matches(**r, q))
      continue;
    ++out.count;
    if (out.results.size() < q.limit)
      out.results.push_back(std::move(**r));
  }
  if (!at)
    return at.err();
  return out;
}

result<std::vector<request_record>> psa_store::scan(
  const std::function<bool(const request_record&)>& keep) {
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return t.err();
  std::vector<request_record> out;
  auto s = each_value(*t, db_->requests, [&](std::string_view v) -> status {
    auto r = decode_request_record(v);
    if (!r)
      return r.err();
    if (keep(*r))
      out.push_back(std::move(*r));
    return {};
  });
  if (!s)
    return s.err();
  return out;
}

result<std::vector<request_record>> psa_store::active() {
  auto r = scan([](const request_record& x) {
    return x.status == pin_status::queued || x.status == pin_status::pinning;
  });
  if (!r)
    return r;
  std::stable_sort(r->begin(), r->end(), [](const request_record& a, const request_record& b) {
    return a.created_ms < b.created_ms;
  });
  return r;
}

result<std::vector<request_record>> psa_store::by_cid(const std::string& cid) {
  return scan([&](const request_record& x) { return x.cid == cid; });
}

result<minted_token> psa_store::create_token(const std::string& name, uint64_t now_ms) {
  if (auto s = check_token_name(name); !s)
    return s.err();
  std::lock_guard<std::mutex> lock(write_mu_);
  auto t = lmdb::txn::begin(*env_, false);
  if (!t)
    return t.err();
  auto taken = each_value(*t, db_->tokens, [&](std::string_view v) -> status {
    auto tok = decode_api_token(v);
    if (!tok)
      return tok.err();
    if (tok->name == name)
      return make_error(errc::conflict, "a token named '" + name + "' already exists");
    return {};
  });
  if (!taken)
    return taken.err();
  auto minted = mint_token(name, now_ms);
  auto p = t->put(db_->tokens, minted.record.id, encode(minted.record), MDB_NOOVERWRITE);
  if (!p)
    return p.err();
  if (!*p)
    return make_error(errc::internal, "token id collision; try again");
  if (auto c = t->commit(); !c)
    return c.err();
  return minted;
}

result<std::vector<api_token>> psa_store::tokens() {
  auto t = lmdb::txn::begin(*env_, true);
  if (!t)
    return t.err();
  std::vector<api_token> out;
  auto s = each_value(*t, db_->tokens, [&](std::string_view v) -> status {
    auto tok = decode_api_token(v);
    if (!tok)
      return tok.err();
    out.push_back(std::move(*tok));
    return {};
  });
  if (!s)
    return s.err();
  std::stable_sort(out.begin(), out.end(),
                   [](const api_token& a, const api_token& b) { return a.created_ms < b.created_ms; });
  return out;
}

result<api_token> psa_store::revoke_token(const std::string& id_or_name) {
  auto all = tokens();
  if (!all)
    return all.err();
  std::lock_guard<std::mutex> lock(write_mu_);
  const api_token* hit = nullptr;
  for (auto& tok : *all)
    if (tok.id == id_or_name)
      hit = &tok;
  if (!hit)
    for (auto& tok : *all)
      if (tok.name == id_or_name)
        hit = &tok;
  if (!hit)
    return make_error(errc::not_found, "no token with id or name '" + id_or_name + "'");
  auto t = lmdb::txn::begin(*env_, false);
  if (!t)
    return t.err();
  auto d = t->del(db_->tokens, hit->id);
  if (!d)
    return d.err();
  if (!*d)
    return make_error(errc::not_found, "no token with id or name '" + id_or_name + "'");
  if (auto c = t->commit(); !c)
    return c.err();
  return *hit;
}

result<std::optional<api_token>> psa_store::authenticate(std::string_view secret) {
  auto all = tokens();
  if (!all)
    return all.err();
  std::string presented = token_hash(secret);
  std::optional<api_token> found;
  // Compares against every token (no early exit), each comparison in constant time.
  for (auto& tok : *all)
    if (same_hash(tok.sha256_hex, presented) && !found)
      found = tok;
  return found;
}

} // namespace mantle::psa
