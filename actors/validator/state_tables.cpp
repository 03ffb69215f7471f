#include "actors/validator/state_tables.hpp"

#include <msgpack.hpp>

#include <limits>

#include "storage/msgpack_read.hpp"
#include "storage/msgpack_write.hpp"

namespace mantle::chain {
namespace {

using packer = msgpack::packer<msgpack::sbuffer>;


template <class F>
std::string packed(F f) {
  msgpack::sbuffer buf;
  packer pk(buf);
  f(pk);
  return std::string(buf.data(), buf.size());
}

// Records are small; these limits only stop a corrupt length prefix from allocating much.
const msgpack::unpack_limit record_limit(100000, 0, 1024, 1 << 20, 0, 6);

struct rec {
  const char* what;
  error fail(const std::string& why) const { return make_error(errc::corrupt, std::string(what) + " record: " + why); }
  // At least n fields: fields appended by a later version are ignored by this one.
  result<const msgpack::object*> array(const msgpack::object& o, size_t n) const {
    if (o.type != msgpack::type::ARRAY || o.via.array.size < n)
      return fail("expected an array of " + std::to_string(n) + " fields");
    return o.via.array.ptr;
  }
  result<uint64_t> u64(const msgpack::object& o) const {
    if (o.type != msgpack::type::POSITIVE_INTEGER)
      return fail("a field is not an unsigned integer");
    return o.via.u64;
  }
  result<std::string> bin(const msgpack::object& o) const {
    if (o.type != msgpack::type::BIN)
      return fail("a field is not binary");
    return std::string(o.via.bin.ptr, o.via.bin.size);
  }
  result<std::pair<const msgpack::object*, uint32_t>> list(const msgpack::object& o) const {
    if (o.type != msgpack::type::ARRAY)
      return fail("a field is not an array");
    return std::make_pair(static_cast<const msgpack::object*>(o.via.array.ptr), o.via.array.size);
  }
};

#define REC_TRY(var, expr)                                                                         \
  auto var##_r = (expr);                                                                           \
  if (!var##_r)                                                                                    \
    return var##_r.err();                                                                          \
  auto var = std::move(*var##_r)

result<msgpack::object_handle> unpack(std::string_view bytes, const char* what) {
  return unpack_whole(bytes, record_limit, std::string(what) + " record");
}

} // namespace

uint64_t stake::guaranteed() const {
  uint64_t t = 0;
  for (const auto& g : guarantees)
    t += g.amount; // bounded by bonded, which is a u64: no overflow
  return t;
}

std::string encode(const account& a) {
  return packed([&](packer& pk) {
    pk.pack_array(2);
    pk.pack_uint64(a.balance);
    pk.pack_uint64(a.nonce);
  });
}

std::string encode(const stake& s) {
  return packed([&](packer& pk) {
    pk.pack_array(3);
    pk.pack_uint64(s.bonded);
    pk.pack_array(static_cast<uint32_t>(s.guarantees.size()));
    for (const auto& g : s.guarantees) {
      pk.pack_array(2);
      pack_bin(pk, g.target);
      pk.pack_uint64(g.amount);
    }
    pk.pack_array(static_cast<uint32_t>(s.unbonding.size()));
    for (const auto& c : s.unbonding) {
      pk.pack_array(2);
      pk.pack_uint64(c.amount);
      pk.pack_uint64(c.release_height);
    }
  });
}

std::string encode(const candidate& c) {
  return packed([&](packer& pk) {
    pk.pack_array(2);
    pack_bin(pk, c.node_key);
    pk.pack_uint64(c.commission_ppm);
  });
}

std::string encode(const node_record& n) {
  return packed([&](packer& pk) {
    pk.pack_array(2);
    pack_bin(pk, n.owner);
    pk.pack_uint64(n.storage_power);
  });
}

std::string encode(const exposure& e) {
  return packed([&](packer& pk) {
    pk.pack_array(5);
    pack_bin(pk, e.node_key);
    pk.pack_uint64(e.total);
    pk.pack_uint64(e.own);
    pk.pack_uint64(e.commission_ppm);
    pk.pack_array(static_cast<uint32_t>(e.guarantors.size()));
    for (const auto& [k, v] : e.guarantors) {
      pk.pack_array(2);
      pack_bin(pk, k);
      pk.pack_uint64(v);
    }
  });
}

std::string encode(const era_info& e) {
  return packed([&](packer& pk) {
    pk.pack_array(5);
    pk.pack_uint64(e.index);
    pk.pack_uint64(e.start_height);
    pk.pack_uint64(e.pot);
    pk.pack_uint64(e.issuance);
    pk.pack_uint64(e.last_reward);
  });
}

std::string encode(const chain_params& p) {
  auto copy = p;
  size_t n = 0;
  for_each_param(copy, [&](const char*, auto&) { ++n; });
  return packed([&](packer& pk) {
    pk.pack_array(static_cast<uint32_t>(n));
    for_each_param(copy, [&](const char*, auto& v) { pk.pack_uint64(static_cast<uint64_t>(v)); });
  });
}

std::string encode_u64(uint64_t v) {
  return packed([&](packer& pk) { pk.pack_uint64(v); });
}

std::string encode_validator_set(const std::vector<std::pair<std::string, uint64_t>>& set) {
  return packed([&](packer& pk) {
    pk.pack_array(static_cast<uint32_t>(set.size()));
    for (const auto& [k, p] : set) {
      pk.pack_array(2);
      pack_bin(pk, k);
      pk.pack_uint64(p);
    }
  });
}

result<account> decode_account(std::string_view bytes) {
  rec r{"account"};
  REC_TRY(oh, unpack(bytes, r.what));
  REC_TRY(f, r.array(oh.get(), 2));
  REC_TRY(bal, r.u64(f[0]));
  REC_TRY(nonce, r.u64(f[1]));
  return account{bal, nonce};
}

result<stake> decode_stake(std::string_view bytes) {
  rec r{"stake"};
  REC_TRY(oh, unpack(bytes, r.what));
  REC_TRY(f, r.array(oh.get(), 3));
  stake s;
  REC_TRY(bonded, r.u64(f[0]));
  s.bonded = bonded;
  REC_TRY(gs, r.list(f[1]));
  for (uint32_t i = 0; i < gs.second; ++i) {
    REC_TRY(g, r.array(gs.first[i], 2));
    REC_TRY(target, r.bin(g[0]));
    REC_TRY(amount, r.u64(g[1]));
    s.guarantees.push_back({std::move(target), amount});
  }
  REC_TRY(cs, r.list(f[2]));
  for (uint32_t i = 0; i < cs.second; ++i) {
    REC_TRY(c, r.array(cs.first[i], 2));
    REC_TRY(amount, r.u64(c[0]));
    REC_TRY(release, r.u64(c[1]));
    s.unbonding.push_back({amount, release});
  }
  uint64_t g = 0;
  for (const auto& e : s.guarantees) {
    if (g + e.amount < g)
      return r.fail("guarantees overflow");
    g += e.amount;
  }
  if (g > s.bonded)
    return r.fail("guarantees exceed the bonded amount");
  return s;
}

result<candidate> decode_candidate(std::string_view bytes) {
  rec r{"candidate"};
  REC_TRY(oh, unpack(bytes, r.what));
  REC_TRY(f, r.array(oh.get(), 2));
  REC_TRY(node, r.bin(f[0]));
  REC_TRY(ppm, r.u64(f[1]));
  if (ppm > 1000000)
    return r.fail("commission above 100%");
  return candidate{std::move(node), static_cast<uint32_t>(ppm)};
}

result<node_record> decode_node(std::string_view bytes) {
  rec r{"node"};
  REC_TRY(oh, unpack(bytes, r.what));
  REC_TRY(f, r.array(oh.get(), 2));
  REC_TRY(owner, r.bin(f[0]));
  REC_TRY(power, r.u64(f[1]));
  return node_record{std::move(owner), power};
}

result<exposure> decode_exposure(std::string_view bytes) {
  rec r{"exposure"};
  REC_TRY(oh, unpack(bytes, r.what));
  REC_TRY(f, r.array(oh.get(), 5));
  exposure e;
  REC_TRY(node, r.bin(f[0]));
  REC_TRY(total, r.u64(f[1]));
  REC_TRY(own, r.u64(f[2]));
  REC_TRY(ppm, r.u64(f[3]));
  e.node_key = std::move(node);
  e.total = total;
  e.own = own;
  e.commission_ppm = static_cast<uint32_t>(std::min<uint64_t>(ppm, 1000000));
  REC_TRY(gs, r.list(f[4]));
  for (uint32_t i = 0; i < gs.second; ++i) {
    REC_TRY(g, r.array(gs.first[i], 2));
    REC_TRY(k, r.bin(g[0]));
    REC_TRY(v, r.u64(g[1]));
    e.guarantors.emplace_back(std::move(k), v);
  }
  return e;
}

result<era_info> decode_era(std::string_view bytes) {
  rec r{"era"};
  REC_TRY(oh, unpack(bytes, r.what));
  REC_TRY(f, r.array(oh.get(), 5));
  era_info e;
  REC_TRY(index, r.u64(f[0]));
  REC_TRY(start, r.u64(f[1]));
  REC_TRY(pot, r.u64(f[2]));
  REC_TRY(issuance, r.u64(f[3]));
  REC_TRY(last, r.u64(f[4]));
  e.index = index;
  e.start_height = start;
  e.pot = pot;
  e.issuance = issuance;
  e.last_reward = last;
  return e;
}

result<chain_params> decode_params(std::string_view bytes) {
  rec r{"params"};
  REC_TRY(oh, unpack(bytes, r.what));
  chain_params p;
  size_t n = 0;
  for_each_param(p, [&](const char*, auto&) { ++n; });
  REC_TRY(f, r.array(oh.get(), n));
  size_t i = 0;
  status st;
  for_each_param(p, [&](const char*, auto& v) {
    const auto& o = f[i++];
    if (!st)
      return;
    if (o.type != msgpack::type::POSITIVE_INTEGER ||
        o.via.u64 > std::numeric_limits<std::remove_reference_t<decltype(v)>>::max()) {
      st = r.fail("parameter " + std::to_string(i - 1) + " out of range");
      return;
    }
    v = static_cast<std::remove_reference_t<decltype(v)>>(o.via.u64);
  });
  if (!st)
    return st.err();
  return p;
}

result<uint64_t> decode_u64(std::string_view bytes) {
  rec r{"counter"};
  REC_TRY(oh, unpack(bytes, r.what));
  return r.u64(oh.get());
}

result<std::vector<std::pair<std::string, uint64_t>>> decode_validator_set(std::string_view bytes) {
  rec r{"validator set"};
  REC_TRY(oh, unpack(bytes, r.what));
  REC_TRY(l, r.list(oh.get()));
  std::vector<std::pair<std::string, uint64_t>> out;
  for (uint32_t i = 0; i < l.second; ++i) {
    REC_TRY(v, r.array(l.first[i], 2));
    REC_TRY(k, r.bin(v[0]));
    REC_TRY(p, r.u64(v[1]));
    out.emplace_back(std::move(k), p);
  }
  return out;
}

} // namespace mantle::chain
