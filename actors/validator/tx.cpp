#include "actors/validator/tx.hpp"

#include <msgpack.hpp>

#include "actors/validator/chain_types.hpp"
#include "storage/identity.hpp"
#include "storage/msgpack_read.hpp"
#include "storage/msgpack_write.hpp"

namespace mantle::chain {
namespace {

using packer = msgpack::packer<msgpack::sbuffer>;


void pack_arg(packer& pk, const tx_arg& a) {
  switch (a.k) {
  case tx_arg::kind::uint: pk.pack_uint64(a.u); break;
  case tx_arg::kind::bin: pack_bin(pk, a.s); break;
  case tx_arg::kind::str: pack_str(pk, a.s); break;
  case tx_arg::kind::list:
    pk.pack_array(static_cast<uint32_t>(a.items.size()));
    for (const auto& i : a.items)
      pack_arg(pk, i);
    break;
  }
}

void pack_args(packer& pk, const std::vector<tx_arg>& args) {
  pk.pack_array(static_cast<uint32_t>(args.size()));
  for (const auto& a : args)
    pack_arg(pk, a);
}

error bad(const std::string& why) { return make_error(errc::invalid_input, "transaction: " + why); }

result<tx_arg> read_arg(const msgpack::object& o) {
  switch (o.type) {
  case msgpack::type::POSITIVE_INTEGER: return tx_arg::of(o.via.u64);
  case msgpack::type::BIN: return tx_arg::bin(std::string(o.via.bin.ptr, o.via.bin.size));
  case msgpack::type::STR: return tx_arg::str(std::string(o.via.str.ptr, o.via.str.size));
  case msgpack::type::ARRAY: {
    tx_arg a;
    a.k = tx_arg::kind::list;
    for (uint32_t i = 0; i < o.via.array.size; ++i) {
      auto item = read_arg(o.via.array.ptr[i]);
      if (!item)
        return item.err();
      a.items.push_back(std::move(*item));
    }
    return a;
  }
  default: return bad("an argument is not an unsigned integer, binary, string or array");
  }
}

// Typed argument readers for decode_body.
struct args_reader {
  const char* type;
  const std::vector<tx_arg>& args;
  error fail(const std::string& why) const { return make_error(errc::invalid_input, std::string(type) + ": " + why); }
  status count(size_t n) const {
    if (args.size() != n)
      return fail("expected " + std::to_string(n) + " arguments, found " + std::to_string(args.size()));
    return {};
  }
  result<uint64_t> u64(size_t i, const char* name) const {
    if (args[i].k != tx_arg::kind::uint)
      return fail(std::string(name) + " is not an unsigned integer");
    return args[i].u;
  }
  result<std::string> bin(size_t i, const char* name, size_t size) const {
    if (args[i].k != tx_arg::kind::bin)
      return fail(std::string(name) + " is not binary");
    if (args[i].s.size() != size)
      return fail(std::string(name) + " must be " + std::to_string(size) + " bytes, found " +
                  std::to_string(args[i].s.size()));
    return args[i].s;
  }
};

#define TX_TRY(var, expr)                                                                          \
  auto var##_r = (expr);                                                                           \
  if (!var##_r)                                                                                    \
    return var##_r.err();                                                                          \
  auto var = std::move(*var##_r)

#define TX_CHECK(expr)                                                                             \
  if (auto s_ = (expr); !s_)                                                                       \
    return s_.err()

} // namespace

const char* tx_type_name(uint64_t type) {
  switch (static_cast<tx_type>(type)) {
  case tx_type::transfer: return "transfer";
  case tx_type::bond: return "bond";
  case tx_type::unbond: return "unbond";
  case tx_type::withdraw_unbonded: return "withdraw_unbonded";
  case tx_type::validate: return "validate";
  case tx_type::chill: return "chill";
  case tx_type::guarantee: return "guarantee";
  case tx_type::unguarantee: return "unguarantee";
  case tx_type::register_node: return "register_node";
  }
  return nullptr;
}

std::string encode(const signed_tx& tx) {
  msgpack::sbuffer buf;
  packer pk(buf);
  pk.pack_array(6);
  pk.pack_uint64(tx.type);
  pack_bin(pk, tx.sender);
  pk.pack_uint64(tx.nonce);
  pk.pack_uint64(tx.fee);
  pack_args(pk, tx.args);
  pack_bin(pk, tx.signature);
  return std::string(buf.data(), buf.size());
}

result<signed_tx> decode_tx(std::string_view bytes, const tx_limits& lim) {
  if (bytes.size() > lim.max_tx_bytes)
    return bad("larger than " + std::to_string(lim.max_tx_bytes) + " bytes");
  // array, map, str, bin, ext, depth
  msgpack::unpack_limit ul(lim.max_items, 0, lim.max_tx_bytes, lim.max_tx_bytes, 0, lim.max_depth);
  auto oh = unpack_whole(bytes, ul, "transaction");
  if (!oh)
    return make_error(errc::invalid_input, oh.err().message);
  const auto& o = oh->get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 6)
    return bad("not an array of 6 fields [type, sender, nonce, fee, args, signature]");
  const auto* f = o.via.array.ptr;
  signed_tx tx;
  if (f[0].type != msgpack::type::POSITIVE_INTEGER)
    return bad("type is not an unsigned integer");
  tx.type = f[0].via.u64;
  if (f[1].type != msgpack::type::BIN || f[1].via.bin.size != key_size)
    return bad("sender must be a 32-byte public key");
  tx.sender.assign(f[1].via.bin.ptr, f[1].via.bin.size);
  if (f[2].type != msgpack::type::POSITIVE_INTEGER)
    return bad("nonce is not an unsigned integer");
  tx.nonce = f[2].via.u64;
  if (f[3].type != msgpack::type::POSITIVE_INTEGER)
    return bad("fee is not an unsigned integer");
  tx.fee = f[3].via.u64;
  if (f[4].type != msgpack::type::ARRAY)
    return bad("args is not an array");
  if (f[4].via.array.size > lim.max_args)
    return bad("more than " + std::to_string(lim.max_args) + " arguments");
  for (uint32_t i = 0; i < f[4].via.array.size; ++i) {
    auto a = read_arg(f[4].via.array.ptr[i]);
    if (!a)
      return a.err();
    tx.args.push_back(std::move(*a));
  }
  if (f[5].type != msgpack::type::BIN || f[5].via.bin.size != sig_size)
    return bad("signature must be 64 bytes");
  tx.signature.assign(f[5].via.bin.ptr, f[5].via.bin.size);
  if (encode(tx) != bytes)
    return bad("not in canonical encoding (integers and lengths must use their shortest form)");
  return tx;
}

std::string tx_sign_bytes(std::string_view chain_id, const signed_tx& tx) {
  msgpack::sbuffer buf;
  packer pk(buf);
  pk.pack_array(7);
  pack_str(pk, "mantle/tx");
  pack_str(pk, chain_id);
  pk.pack_uint64(tx.type);
  pack_bin(pk, tx.sender);
  pk.pack_uint64(tx.nonce);
  pk.pack_uint64(tx.fee);
  pack_args(pk, tx.args);
  return std::string(buf.data(), buf.size());
}

bool verify_tx(std::string_view chain_id, const signed_tx& tx) {
  return node_identity::verify(tx.sender, tx_sign_bytes(chain_id, tx), tx.signature);
}

std::string tx_hash(std::string_view encoded) { return hash(encoded); }

std::string register_node_sign_bytes(std::string_view chain_id, std::string_view owner) {
  msgpack::sbuffer buf;
  packer pk(buf);
  pk.pack_array(3);
  pack_str(pk, "mantle/register_node");
  pack_str(pk, chain_id);
  pack_bin(pk, owner);
  return std::string(buf.data(), buf.size());
}

tx_type type_of(const tx_body& body) {
  struct visitor {
    tx_type operator()(const txs::transfer&) const { return tx_type::transfer; }
    tx_type operator()(const txs::bond&) const { return tx_type::bond; }
    tx_type operator()(const txs::unbond&) const { return tx_type::unbond; }
    tx_type operator()(const txs::withdraw_unbonded&) const { return tx_type::withdraw_unbonded; }
    tx_type operator()(const txs::validate&) const { return tx_type::validate; }
    tx_type operator()(const txs::chill&) const { return tx_type::chill; }
    tx_type operator()(const txs::guarantee&) const { return tx_type::guarantee; }
    tx_type operator()(const txs::unguarantee&) const { return tx_type::unguarantee; }
    tx_type operator()(const txs::register_node&) const { return tx_type::register_node; }
  };
  return std::visit(visitor{}, body);
}

std::vector<tx_arg> args_of(const tx_body& body) {
  struct visitor {
    std::vector<tx_arg> operator()(const txs::transfer& t) const { return {tx_arg::bin(t.to), tx_arg::of(t.amount)}; }
    std::vector<tx_arg> operator()(const txs::bond& t) const { return {tx_arg::of(t.amount)}; }
    std::vector<tx_arg> operator()(const txs::unbond& t) const { return {tx_arg::of(t.amount)}; }
    std::vector<tx_arg> operator()(const txs::withdraw_unbonded&) const { return {}; }
    std::vector<tx_arg> operator()(const txs::validate& t) const {
      return {tx_arg::of(t.commission_ppm), tx_arg::bin(t.node_key)};
    }
    std::vector<tx_arg> operator()(const txs::chill&) const { return {}; }
    std::vector<tx_arg> operator()(const txs::guarantee& t) const { return {tx_arg::bin(t.target), tx_arg::of(t.amount)}; }
    std::vector<tx_arg> operator()(const txs::unguarantee& t) const { return {tx_arg::bin(t.target)}; }
    std::vector<tx_arg> operator()(const txs::register_node& t) const {
      return {tx_arg::bin(t.node_key), tx_arg::bin(t.node_signature)};
    }
  };
  return std::visit(visitor{}, body);
}

result<tx_body> decode_body(const signed_tx& tx) {
  const char* name = tx_type_name(tx.type);
  if (!name)
    return make_error(errc::invalid_input, "unknown transaction type " + std::to_string(tx.type));
  args_reader r{name, tx.args};
  switch (static_cast<tx_type>(tx.type)) {
  case tx_type::transfer: {
    TX_CHECK(r.count(2));
    TX_TRY(to, r.bin(0, "recipient", key_size));
    TX_TRY(amount, r.u64(1, "amount"));
    return tx_body(txs::transfer{std::move(to), amount});
  }
  case tx_type::bond:
  case tx_type::unbond: {
    TX_CHECK(r.count(1));
    TX_TRY(amount, r.u64(0, "amount"));
    if (tx.type == static_cast<uint64_t>(tx_type::bond))
      return tx_body(txs::bond{amount});
    return tx_body(txs::unbond{amount});
  }
  case tx_type::withdraw_unbonded:
    TX_CHECK(r.count(0));
    return tx_body(txs::withdraw_unbonded{});
  case tx_type::validate: {
    TX_CHECK(r.count(2));
    TX_TRY(ppm, r.u64(0, "commission_ppm"));
    if (ppm > 1000000)
      return r.fail("commission_ppm must be at most 1000000 (100%)");
    TX_TRY(node, r.bin(1, "node key", key_size));
    return tx_body(txs::validate{static_cast<uint32_t>(ppm), std::move(node)});
  }
  case tx_type::chill:
    TX_CHECK(r.count(0));
    return tx_body(txs::chill{});
  case tx_type::guarantee: {
    TX_CHECK(r.count(2));
    TX_TRY(target, r.bin(0, "target", key_size));
    TX_TRY(amount, r.u64(1, "amount"));
    return tx_body(txs::guarantee{std::move(target), amount});
  }
  case tx_type::unguarantee: {
    TX_CHECK(r.count(1));
    TX_TRY(target, r.bin(0, "target", key_size));
    return tx_body(txs::unguarantee{std::move(target)});
  }
  case tx_type::register_node: {
    TX_CHECK(r.count(2));
    TX_TRY(node, r.bin(0, "node key", key_size));
    TX_TRY(sig, r.bin(1, "node signature", sig_size));
    return tx_body(txs::register_node{std::move(node), std::move(sig)});
  }
  }
  return make_error(errc::invalid_input, "unknown transaction type " + std::to_string(tx.type));
}

signed_tx make_tx(const node_identity& sender, std::string_view chain_id, uint64_t nonce, uint64_t fee,
                  const tx_body& body) {
  signed_tx tx;
  tx.type = static_cast<uint64_t>(type_of(body));
  tx.sender = sender.public_key();
  tx.nonce = nonce;
  tx.fee = fee;
  tx.args = args_of(body);
  tx.signature = sender.sign(tx_sign_bytes(chain_id, tx));
  return tx;
}

} // namespace mantle::chain
