#include "actors/validator/chain_types.hpp"

#include <botan/hash.h>
#include <msgpack.hpp>

#include <algorithm>
#include <set>

#include "storage/identity.hpp"
#include "storage/msgpack_read.hpp"
#include "storage/msgpack_write.hpp"
#include "storage/multibase.hpp"

namespace mantle::chain {
namespace {

using packer = msgpack::packer<msgpack::sbuffer>;

std::string to_string(const msgpack::sbuffer& b) { return std::string(b.data(), b.size()); }


// Field order is the encoding: never reorder, only append in a new version.
void pack_vote_body(packer& pk, const vote& v) {
  pk.pack_uint8(static_cast<uint8_t>(v.type));
  pk.pack_uint64(v.height);
  pk.pack_uint32(v.round);
  pack_bin(pk, v.block_id);
}

void pack_vote(packer& pk, const vote& v) {
  pk.pack_array(6);
  pack_vote_body(pk, v);
  pack_bin(pk, v.validator);
  pack_bin(pk, v.signature);
}

void pack_cert(packer& pk, const commit_cert& c) {
  pk.pack_array(4);
  pk.pack_uint64(c.height);
  pk.pack_uint32(c.round);
  pack_bin(pk, c.block_id);
  pk.pack_array(static_cast<uint32_t>(c.sigs.size()));
  for (const auto& s : c.sigs) {
    pk.pack_array(2);
    pack_bin(pk, s.validator);
    pack_bin(pk, s.signature);
  }
}

void pack_evidence(packer& pk, const evidence& e) {
  pk.pack_array(2);
  pack_vote(pk, e.a);
  pack_vote(pk, e.b);
}

void pack_header(packer& pk, const block_header& h) {
  pk.pack_array(9);
  pack_str(pk, h.chain_id);
  pk.pack_uint64(h.height);
  pk.pack_uint64(h.time_ms);
  pack_bin(pk, h.prev_hash);
  pack_bin(pk, h.last_commit_hash);
  pack_bin(pk, h.txs_hash);
  pack_bin(pk, h.evidence_hash);
  pack_bin(pk, h.state_root);
  pack_bin(pk, h.proposer);
}

// Strict field readers: a wrong type or size is a clear error naming the field.
struct reader {
  std::string what;
  error fail(const std::string& why) const { return make_error(errc::invalid_input, what + ": " + why); }

  result<const msgpack::object*> array(const msgpack::object& o, size_t n) const {
    if (o.type != msgpack::type::ARRAY)
      return fail("not an array");
    if (o.via.array.size != n)
      return fail("expected " + std::to_string(n) + " fields, found " + std::to_string(o.via.array.size));
    return o.via.array.ptr;
  }
  result<uint64_t> u64(const msgpack::object& o, const char* field) const {
    if (o.type != msgpack::type::POSITIVE_INTEGER)
      return fail(std::string(field) + " is not an unsigned integer");
    return o.via.u64;
  }
  result<uint32_t> u32(const msgpack::object& o, const char* field) const {
    auto v = u64(o, field);
    if (!v)
      return v.err();
    if (*v > UINT32_MAX)
      return fail(std::string(field) + " out of range");
    return static_cast<uint32_t>(*v);
  }
  result<int32_t> i32(const msgpack::object& o, const char* field) const {
    if (o.type == msgpack::type::POSITIVE_INTEGER) {
      if (o.via.u64 > INT32_MAX)
        return fail(std::string(field) + " out of range");
      return static_cast<int32_t>(o.via.u64);
    }
    if (o.type == msgpack::type::NEGATIVE_INTEGER) {
      if (o.via.i64 < INT32_MIN)
        return fail(std::string(field) + " out of range");
      return static_cast<int32_t>(o.via.i64);
    }
    return fail(std::string(field) + " is not an integer");
  }
  // `sizes` lists the accepted lengths (e.g. {0, 32} for an optional hash).
  result<std::string> bin(const msgpack::object& o, const char* field, std::initializer_list<size_t> sizes) const {
    if (o.type != msgpack::type::BIN)
      return fail(std::string(field) + " is not binary");
    size_t n = o.via.bin.size;
    if (sizes.size() > 0 && std::find(sizes.begin(), sizes.end(), n) == sizes.end())
      return fail(std::string(field) + " has " + std::to_string(n) + " bytes");
    return std::string(o.via.bin.ptr, n);
  }
  result<std::string> any_bin(const msgpack::object& o, const char* field, size_t max) const {
    if (o.type != msgpack::type::BIN)
      return fail(std::string(field) + " is not binary");
    if (o.via.bin.size > max)
      return fail(std::string(field) + " is larger than " + std::to_string(max) + " bytes");
    return std::string(o.via.bin.ptr, o.via.bin.size);
  }
  result<std::string> str(const msgpack::object& o, const char* field, size_t max) const {
    if (o.type != msgpack::type::STR)
      return fail(std::string(field) + " is not a string");
    if (o.via.str.size > max)
      return fail(std::string(field) + " is too long");
    return std::string(o.via.str.ptr, o.via.str.size);
  }
};

#define MANTLE_TRY(var, expr)                                                                      \
  auto var##_r = (expr);                                                                           \
  if (!var##_r)                                                                                    \
    return var##_r.err();                                                                          \
  auto var = std::move(*var##_r)

result<vote> read_vote(const msgpack::object& o) {
  reader r{"vote"};
  MANTLE_TRY(f, r.array(o, 6));
  MANTLE_TRY(type, r.u64(f[0], "type"));
  if (type != 1 && type != 2)
    return r.fail("unknown vote type " + std::to_string(type));
  vote v;
  v.type = static_cast<vote_type>(type);
  MANTLE_TRY(height, r.u64(f[1], "height"));
  MANTLE_TRY(round, r.u32(f[2], "round"));
  MANTLE_TRY(id, r.bin(f[3], "block id", {0, hash_size}));
  MANTLE_TRY(key, r.bin(f[4], "validator", {key_size}));
  MANTLE_TRY(sig, r.bin(f[5], "signature", {sig_size}));
  v.height = height;
  v.round = round;
  v.block_id = std::move(id);
  v.validator = std::move(key);
  v.signature = std::move(sig);
  return v;
}

result<commit_cert> read_cert(const msgpack::object& o, const decode_limits& lim) {
  reader r{"commit certificate"};
  MANTLE_TRY(f, r.array(o, 4));
  commit_cert c;
  MANTLE_TRY(height, r.u64(f[0], "height"));
  MANTLE_TRY(round, r.u32(f[1], "round"));
  MANTLE_TRY(id, r.bin(f[2], "block id", {0, hash_size}));
  c.height = height;
  c.round = round;
  c.block_id = std::move(id);
  if (f[3].type != msgpack::type::ARRAY)
    return r.fail("signatures are not an array");
  if (f[3].via.array.size > lim.max_sigs)
    return r.fail("more than " + std::to_string(lim.max_sigs) + " signatures");
  for (uint32_t i = 0; i < f[3].via.array.size; ++i) {
    MANTLE_TRY(s, r.array(f[3].via.array.ptr[i], 2));
    MANTLE_TRY(key, r.bin(s[0], "validator", {key_size}));
    MANTLE_TRY(sig, r.bin(s[1], "signature", {sig_size}));
    c.sigs.push_back({std::move(key), std::move(sig)});
  }
  return c;
}

result<evidence> read_evidence(const msgpack::object& o) {
  reader r{"evidence"};
  MANTLE_TRY(f, r.array(o, 2));
  MANTLE_TRY(a, read_vote(f[0]));
  MANTLE_TRY(b, read_vote(f[1]));
  return evidence{std::move(a), std::move(b)};
}

result<block_header> read_header(const msgpack::object& o) {
  reader r{"block header"};
  MANTLE_TRY(f, r.array(o, 9));
  block_header h;
  MANTLE_TRY(chain_id, r.str(f[0], "chain id", 128));
  MANTLE_TRY(height, r.u64(f[1], "height"));
  MANTLE_TRY(time_ms, r.u64(f[2], "time"));
  MANTLE_TRY(prev, r.bin(f[3], "previous hash", {0, hash_size}));
  MANTLE_TRY(last_commit, r.bin(f[4], "last commit hash", {hash_size}));
  MANTLE_TRY(txs, r.bin(f[5], "txs hash", {hash_size}));
  MANTLE_TRY(ev, r.bin(f[6], "evidence hash", {hash_size}));
  MANTLE_TRY(state, r.bin(f[7], "state root", {hash_size}));
  MANTLE_TRY(proposer, r.bin(f[8], "proposer", {key_size}));
  h.chain_id = std::move(chain_id);
  h.height = height;
  h.time_ms = time_ms;
  h.prev_hash = std::move(prev);
  h.last_commit_hash = std::move(last_commit);
  h.txs_hash = std::move(txs);
  h.evidence_hash = std::move(ev);
  h.state_root = std::move(state);
  h.proposer = std::move(proposer);
  return h;
}

msgpack::unpack_limit limits_for(size_t max_items, size_t max_bytes) {
  // array, map, str, bin, ext, depth
  return msgpack::unpack_limit(max_items, 0, 256, max_bytes, 0, 8);
}

template <class F>
auto decode_with(std::string_view bytes, const msgpack::unpack_limit& lim, const char* what, F read)
  -> decltype(read(std::declval<const msgpack::object&>())) {
  auto oh = unpack_whole(bytes, lim, what);
  if (!oh)
    return make_error(errc::invalid_input, oh.err().message);
  return read(oh->get());
}

std::string hash_of_list(std::string_view tag, const std::vector<std::string>& hashes) {
  msgpack::sbuffer buf;
  packer pk(buf);
  pk.pack_array(2);
  pack_str(pk, tag);
  pk.pack_array(static_cast<uint32_t>(hashes.size()));
  for (const auto& h : hashes)
    pack_bin(pk, h);
  return hash(to_string(buf));
}

} // namespace

std::string hash(std::string_view bytes) {
  thread_local auto h = Botan::HashFunction::create_or_throw("BLAKE2b(256)");
  h->update(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  auto out = h->final();
  return std::string(reinterpret_cast<const char*>(out.data()), out.size());
}

std::string to_hex(std::string_view bytes) { return multibase::base16_encode(bytes); }

result<std::string> from_hex(std::string_view text) {
  auto r = multibase::base16_decode(text);
  if (!r)
    return make_error(errc::invalid_input, "not a hex string: " + r.err().message);
  return r;
}

const char* to_string(vote_type t) {
  switch (t) {
    case vote_type::prevote: return "prevote";
    case vote_type::precommit: return "precommit";
  }
  return "unknown";
}

result<validator_set> make_validator_set(std::vector<validator_info> v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  uint64_t total = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i].key.size() != key_size)
      return make_error(errc::invalid_input, "validator key must be " + std::to_string(key_size) + " bytes");
    if (v[i].power == 0)
      return make_error(errc::invalid_input, "validator " + to_hex(v[i].key) + " has no voting power");
    if (i > 0 && v[i].key == v[i - 1].key)
      return make_error(errc::invalid_input, "validator " + to_hex(v[i].key) + " listed twice");
    if (total + v[i].power < total)
      return make_error(errc::invalid_input, "total voting power overflows");
    total += v[i].power;
  }
  return v;
}

uint64_t total_power(const validator_set& set) {
  uint64_t t = 0;
  for (const auto& v : set)
    t += v.power;
  return t;
}

const validator_info* find_validator(const validator_set& set, std::string_view key) {
  auto it = std::lower_bound(set.begin(), set.end(), key,
                             [](const validator_info& v, std::string_view k) { return v.key < k; });
  return it != set.end() && it->key == key ? &*it : nullptr;
}

bool over_two_thirds(uint64_t power, uint64_t total) {
  // power > 2/3 total  <=>  3 power > 2 total, in 128 bits so large stakes cannot overflow.
  return static_cast<unsigned __int128>(power) * 3 > static_cast<unsigned __int128>(total) * 2;
}

std::string validator_set_hash(const validator_set& set) {
  msgpack::sbuffer buf;
  packer pk(buf);
  pk.pack_array(static_cast<uint32_t>(set.size()));
  for (const auto& v : set) {
    pk.pack_array(2);
    pack_bin(pk, v.key);
    pk.pack_uint64(v.power);
  }
  return hash(to_string(buf));
}

std::string sign_bytes(std::string_view chain_id, const vote& v) {
  msgpack::sbuffer buf;
  packer pk(buf);
  pk.pack_array(6);
  pack_str(pk, "mantle/vote");
  pack_str(pk, chain_id);
  pack_vote_body(pk, v);
  return to_string(buf);
}

std::string sign_bytes(std::string_view chain_id, const proposal& p) {
  msgpack::sbuffer buf;
  packer pk(buf);
  pk.pack_array(6);
  pack_str(pk, "mantle/proposal");
  pack_str(pk, chain_id);
  pk.pack_uint64(p.height);
  pk.pack_uint32(p.round);
  pk.pack_int32(p.pol_round);
  pack_bin(pk, p.block_id);
  return to_string(buf);
}

std::string encode(const vote& v) {
  msgpack::sbuffer buf;
  packer pk(buf);
  pack_vote(pk, v);
  return to_string(buf);
}

std::string encode(const proposal& p) {
  msgpack::sbuffer buf;
  packer pk(buf);
  pk.pack_array(6);
  pk.pack_uint64(p.height);
  pk.pack_uint32(p.round);
  pk.pack_int32(p.pol_round);
  pack_bin(pk, p.block_id);
  pack_bin(pk, p.proposer);
  pack_bin(pk, p.signature);
  return to_string(buf);
}

std::string encode(const commit_cert& c) {
  msgpack::sbuffer buf;
  packer pk(buf);
  pack_cert(pk, c);
  return to_string(buf);
}

std::string encode(const evidence& e) {
  msgpack::sbuffer buf;
  packer pk(buf);
  pack_evidence(pk, e);
  return to_string(buf);
}

std::string encode(const block_header& h) {
  msgpack::sbuffer buf;
  packer pk(buf);
  pack_header(pk, h);
  return to_string(buf);
}

std::string encode(const block& b) {
  msgpack::sbuffer buf;
  packer pk(buf);
  pk.pack_array(4);
  pack_header(pk, b.header);
  pk.pack_array(static_cast<uint32_t>(b.txs.size()));
  for (const auto& t : b.txs)
    pack_bin(pk, t);
  pk.pack_array(static_cast<uint32_t>(b.evidence_list.size()));
  for (const auto& e : b.evidence_list)
    pack_evidence(pk, e);
  pack_cert(pk, b.last_commit);
  return to_string(buf);
}

result<vote> decode_vote(std::string_view bytes) {
  return decode_with(bytes, limits_for(8, 256), "vote", read_vote);
}

result<proposal> decode_proposal(std::string_view bytes) {
  return decode_with(bytes, limits_for(8, 256), "proposal", [](const msgpack::object& o) -> result<proposal> {
    reader r{"proposal"};
    MANTLE_TRY(f, r.array(o, 6));
    proposal p;
    MANTLE_TRY(height, r.u64(f[0], "height"));
    MANTLE_TRY(round, r.u32(f[1], "round"));
    MANTLE_TRY(pol, r.i32(f[2], "proof-of-lock round"));
    if (pol < -1 || (pol >= 0 && static_cast<uint32_t>(pol) >= round))
      return r.fail("proof-of-lock round " + std::to_string(pol) + " is not before round " + std::to_string(round));
    MANTLE_TRY(id, r.bin(f[3], "block id", {hash_size}));
    MANTLE_TRY(key, r.bin(f[4], "proposer", {key_size}));
    MANTLE_TRY(sig, r.bin(f[5], "signature", {sig_size}));
    p.height = height;
    p.round = round;
    p.pol_round = pol;
    p.block_id = std::move(id);
    p.proposer = std::move(key);
    p.signature = std::move(sig);
    return p;
  });
}

result<commit_cert> decode_commit_cert(std::string_view bytes, const decode_limits& lim) {
  return decode_with(bytes, limits_for(lim.max_sigs + 8, 256), "commit certificate",
                     [&](const msgpack::object& o) { return read_cert(o, lim); });
}

result<evidence> decode_evidence(std::string_view bytes) {
  return decode_with(bytes, limits_for(8, 256), "evidence", read_evidence);
}

result<block_header> decode_block_header(std::string_view bytes) {
  return decode_with(bytes, limits_for(16, 256), "block header", read_header);
}

result<block> decode_block(std::string_view bytes, const decode_limits& lim) {
  if (bytes.size() > lim.max_block_bytes)
    return make_error(errc::invalid_input, "block is larger than " + std::to_string(lim.max_block_bytes) + " bytes");
  size_t max_items = std::max({lim.max_txs, lim.max_sigs, lim.max_evidence, size_t{16}});
  return decode_with(bytes, limits_for(max_items, std::max(lim.max_tx_bytes, size_t{256})), "block",
                     [&](const msgpack::object& o) -> result<block> {
                       reader r{"block"};
                       MANTLE_TRY(f, r.array(o, 4));
                       block b;
                       MANTLE_TRY(h, read_header(f[0]));
                       b.header = std::move(h);
                       if (f[1].type != msgpack::type::ARRAY)
                         return r.fail("transactions are not an array");
                       if (f[1].via.array.size > lim.max_txs)
                         return r.fail("more than " + std::to_string(lim.max_txs) + " transactions");
                       b.txs.reserve(f[1].via.array.size);
                       for (uint32_t i = 0; i < f[1].via.array.size; ++i) {
                         MANTLE_TRY(t, r.any_bin(f[1].via.array.ptr[i], "transaction", lim.max_tx_bytes));
                         b.txs.push_back(std::move(t));
                       }
                       if (f[2].type != msgpack::type::ARRAY)
                         return r.fail("evidence is not an array");
                       if (f[2].via.array.size > lim.max_evidence)
                         return r.fail("more than " + std::to_string(lim.max_evidence) + " pieces of evidence");
                       for (uint32_t i = 0; i < f[2].via.array.size; ++i) {
                         MANTLE_TRY(e, read_evidence(f[2].via.array.ptr[i]));
                         b.evidence_list.push_back(std::move(e));
                       }
                       MANTLE_TRY(c, read_cert(f[3], lim));
                       b.last_commit = std::move(c);
                       return b;
                     });
}

std::string block_id(const block_header& h) { return hash(encode(h)); }

std::string txs_hash(const std::vector<std::string>& txs) {
  std::vector<std::string> hashes;
  hashes.reserve(txs.size());
  for (const auto& t : txs)
    hashes.push_back(hash(t));
  return hash_of_list("mantle/txs", hashes);
}

std::string evidence_hash(const std::vector<evidence>& ev) {
  std::vector<std::string> hashes;
  hashes.reserve(ev.size());
  for (const auto& e : ev)
    hashes.push_back(hash(encode(e)));
  return hash_of_list("mantle/evidence", hashes);
}

std::string commit_hash(const commit_cert& c) { return hash(encode(c)); }

status check_body(const block& b) {
  if (b.header.txs_hash != txs_hash(b.txs))
    return make_error(errc::invalid_input, "block " + std::to_string(b.header.height) + ": txs hash does not match its transactions");
  if (b.header.evidence_hash != evidence_hash(b.evidence_list))
    return make_error(errc::invalid_input, "block " + std::to_string(b.header.height) + ": evidence hash does not match its evidence");
  if (b.header.last_commit_hash != commit_hash(b.last_commit))
    return make_error(errc::invalid_input, "block " + std::to_string(b.header.height) + ": last commit hash does not match its certificate");
  return {};
}

bool verify_vote(std::string_view chain_id, const vote& v) {
  return v.validator.size() == key_size && v.signature.size() == sig_size &&
         node_identity::verify(v.validator, sign_bytes(chain_id, v), v.signature);
}

bool verify_proposal(std::string_view chain_id, const proposal& p) {
  return p.proposer.size() == key_size && p.signature.size() == sig_size &&
         node_identity::verify(p.proposer, sign_bytes(chain_id, p), p.signature);
}

status verify_commit(std::string_view chain_id, const validator_set& set, const commit_cert& c) {
  auto where = "commit certificate for height " + std::to_string(c.height);
  if (c.block_id.size() != hash_size)
    return make_error(errc::invalid_input, where + ": no block id");
  std::set<std::string> seen;
  uint64_t power = 0;
  for (const auto& s : c.sigs) {
    const auto* v = find_validator(set, s.validator);
    if (!v)
      return make_error(errc::invalid_input, where + ": " + to_hex(s.validator) + " is not a validator");
    if (!seen.insert(s.validator).second)
      return make_error(errc::invalid_input, where + ": " + to_hex(s.validator) + " signed twice");
    vote pc{vote_type::precommit, c.height, c.round, c.block_id, s.validator, s.signature};
    if (!verify_vote(chain_id, pc))
      return make_error(errc::invalid_input, where + ": bad signature from " + to_hex(s.validator));
    power += v->power;
  }
  if (!over_two_thirds(power, total_power(set)))
    return make_error(errc::invalid_input, where + ": " + std::to_string(power) + " of " +
                                               std::to_string(total_power(set)) + " voting power is not more than 2/3");
  return {};
}

status verify_evidence(std::string_view chain_id, const validator_set& set, const evidence& e) {
  auto bad = [](const std::string& why) { return make_error(errc::invalid_input, "evidence: " + why); };
  if (e.a.validator != e.b.validator)
    return bad("votes from different validators");
  if (!find_validator(set, e.a.validator))
    return bad(to_hex(e.a.validator) + " is not a validator");
  if (e.a.type != e.b.type || e.a.height != e.b.height || e.a.round != e.b.round)
    return bad("votes are not for the same step");
  if (e.a.block_id == e.b.block_id)
    return bad("votes do not conflict");
  if (!verify_vote(chain_id, e.a) || !verify_vote(chain_id, e.b))
    return bad("bad signature");
  return {};
}

} // namespace mantle::chain
