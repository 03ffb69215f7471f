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
  result<std::string> cid(size_t i) const { return cid_of(args[i], "cid"); }
  result<std::string> cid_of(const tx_arg& a, const std::string& name) const {
    if (a.k != tx_arg::kind::bin)
      return fail(name + " is not binary");
    if (a.s.empty() || a.s.size() > max_cid_bytes)
      return fail(name + " must be 1 to " + std::to_string(max_cid_bytes) + " bytes (a binary CID), found " +
                  std::to_string(a.s.size()));
    return a.s;
  }
  result<std::vector<std::string>> cid_list(size_t i, const char* name) const {
    if (args[i].k != tx_arg::kind::list)
      return fail(std::string(name) + " is not an array");
    std::vector<std::string> out;
    for (size_t j = 0; j < args[i].items.size(); ++j) {
      auto c = cid_of(args[i].items[j], std::string(name) + "[" + std::to_string(j) + "]");
      if (!c)
        return c.err();
      out.push_back(std::move(*c));
    }
    return out;
  }
};

tx_arg list_of(std::vector<tx_arg> items) {
  tx_arg a;
  a.k = tx_arg::kind::list;
  a.items = std::move(items);
  return a;
}

tx_arg bin_list(const std::vector<std::string>& v) {
  tx_arg a = list_of({});
  for (const auto& s : v)
    a.items.push_back(tx_arg::bin(s));
  return a;
}

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
  case tx_type::place_order: return "place_order";
  case tx_type::add_prepaid: return "add_prepaid";
  case tx_type::work_report: return "work_report";
  case tx_type::storage_proof: return "storage_proof";
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
    tx_type operator()(const txs::place_order&) const { return tx_type::place_order; }
    tx_type operator()(const txs::add_prepaid&) const { return tx_type::add_prepaid; }
    tx_type operator()(const txs::work_report&) const { return tx_type::work_report; }
    tx_type operator()(const txs::storage_proof&) const { return tx_type::storage_proof; }
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
    std::vector<tx_arg> operator()(const txs::place_order& t) const {
      return {tx_arg::bin(t.cid), tx_arg::of(t.size), tx_arg::bin(t.proof_root), tx_arg::of(t.tips)};
    }
    std::vector<tx_arg> operator()(const txs::add_prepaid& t) const { return {tx_arg::bin(t.cid), tx_arg::of(t.amount)}; }
    std::vector<tx_arg> operator()(const txs::work_report& t) const {
      return {tx_arg::of(t.slot),           tx_arg::bin(t.slot_hash),     tx_arg::of(t.reserved_bytes),
              tx_arg::of(t.files_bytes),    tx_arg::bin(t.reserved_root), tx_arg::bin(t.files_root),
              bin_list(t.added),            bin_list(t.deleted)};
    }
    std::vector<tx_arg> operator()(const txs::storage_proof& t) const {
      tx_arg answers = list_of({});
      for (const auto& a : t.answers)
        answers.items.push_back(list_of({tx_arg::of(a.challenge_no), tx_arg::bin(a.proof)}));
      return {tx_arg::of(t.slot), std::move(answers)};
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
  case tx_type::place_order: {
    TX_CHECK(r.count(4));
    TX_TRY(cid, r.cid(0));
    TX_TRY(size, r.u64(1, "size"));
    TX_TRY(root, r.bin(2, "proof root", 32));
    TX_TRY(tips, r.u64(3, "tips"));
    return tx_body(txs::place_order{std::move(cid), size, std::move(root), tips});
  }
  case tx_type::add_prepaid: {
    TX_CHECK(r.count(2));
    TX_TRY(cid, r.cid(0));
    TX_TRY(amount, r.u64(1, "amount"));
    return tx_body(txs::add_prepaid{std::move(cid), amount});
  }
  case tx_type::work_report: {
    TX_CHECK(r.count(8));
    txs::work_report w;
    TX_TRY(slot, r.u64(0, "slot"));
    TX_TRY(slot_hash, r.bin(1, "slot hash", 32));
    TX_TRY(reserved, r.u64(2, "reserved_bytes"));
    TX_TRY(files, r.u64(3, "files_bytes"));
    TX_TRY(reserved_root, r.bin(4, "reserved root", 32));
    TX_TRY(files_root, r.bin(5, "files root", 32));
    TX_TRY(added, r.cid_list(6, "added"));
    TX_TRY(deleted, r.cid_list(7, "deleted"));
    w.slot = slot;
    w.slot_hash = std::move(slot_hash);
    w.reserved_bytes = reserved;
    w.files_bytes = files;
    w.reserved_root = std::move(reserved_root);
    w.files_root = std::move(files_root);
    w.added = std::move(added);
    w.deleted = std::move(deleted);
    return tx_body(std::move(w));
  }
  case tx_type::storage_proof: {
    TX_CHECK(r.count(2));
    txs::storage_proof p;
    TX_TRY(slot, r.u64(0, "slot"));
    p.slot = slot;
    if (tx.args[1].k != tx_arg::kind::list)
      return r.fail("answers is not an array");
    for (size_t j = 0; j < tx.args[1].items.size(); ++j) {
      const auto& a = tx.args[1].items[j];
      std::string where = "answers[" + std::to_string(j) + "]";
      if (a.k != tx_arg::kind::list || a.items.size() != 2 || a.items[0].k != tx_arg::kind::uint ||
          a.items[1].k != tx_arg::kind::bin)
        return r.fail(where + " must be [challenge_no: unsigned integer, proof: binary]");
      p.answers.push_back({a.items[0].u, a.items[1].s});
    }
    return tx_body(std::move(p));
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
