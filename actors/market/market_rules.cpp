#include "actors/market/market_rules.hpp"

#include <botan/hash.h>
#include <msgpack.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "actors/prover/challenge.hpp"
#include "actors/prover/proof_tree.hpp"
#include "actors/prover/reserved_space.hpp"
#include "actors/validator/chain_types.hpp"
#include "storage/msgpack_read.hpp"
#include "storage/msgpack_write.hpp"

namespace mantle::market {
namespace {

using packer = msgpack::packer<msgpack::sbuffer>;

template <class F>
std::string packed(F f) {
  msgpack::sbuffer buf;
  packer pk(buf);
  f(pk);
  return std::string(buf.data(), buf.size());
}

void put_be(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// --- record codecs --------------------------------------------------------------------------

const msgpack::unpack_limit record_limit(200000, 0, 1024, 1 << 20, 0, 5);

struct rec {
  const char* what;
  error fail(const std::string& why) const { return make_error(errc::corrupt, std::string(what) + " record: " + why); }
  result<const msgpack::object*> array(const msgpack::object& o, size_t n) const {
    if (o.type != msgpack::type::ARRAY || o.via.array.size != n)
      return fail("expected an array of " + std::to_string(n) + " fields");
    return o.via.array.ptr;
  }
  result<std::pair<const msgpack::object*, uint32_t>> list(const msgpack::object& o) const {
    if (o.type != msgpack::type::ARRAY)
      return fail("a field is not an array");
    return std::make_pair(static_cast<const msgpack::object*>(o.via.array.ptr), o.via.array.size);
  }
  result<uint64_t> u64(const msgpack::object& o) const {
    if (o.type != msgpack::type::POSITIVE_INTEGER)
      return fail("a field is not an unsigned integer");
    return o.via.u64;
  }
  result<bool> boolean(const msgpack::object& o) const {
    if (o.type != msgpack::type::BOOLEAN)
      return fail("a field is not a boolean");
    return o.via.boolean;
  }
  // Binary of exactly `size` bytes, or of any size up to `max` when size is 0.
  result<std::string> bin(const msgpack::object& o, size_t size, size_t max = 0) const {
    if (o.type != msgpack::type::BIN)
      return fail("a field is not binary");
    if ((size && o.via.bin.size != size) || (!size && o.via.bin.size > max))
      return fail("a binary field has the wrong length " + std::to_string(o.via.bin.size));
    return std::string(o.via.bin.ptr, o.via.bin.size);
  }
  // The record must be exactly the canonical encoding of what was read.
  template <class T>
  result<T> canonical(T value, std::string_view bytes) const {
    if (encode(value) != bytes)
      return fail("not in canonical encoding");
    return value;
  }
};

#define MR_TRY(var, expr)                                                                          \
  auto var##_r = (expr);                                                                           \
  if (!var##_r)                                                                                    \
    return var##_r.err();                                                                          \
  auto var = std::move(*var##_r)

// A stored root: empty (a node that never declared a reservation) or 32 bytes.
result<std::string> root_field(const rec& r, const msgpack::object& o) {
  MR_TRY(b, r.bin(o, 0, 32));
  if (!b.empty() && b.size() != 32)
    return r.fail("a root is neither empty nor 32 bytes");
  return b;
}

// --- state access inside the rules ------------------------------------------------------------
// A failing tx throws reject (the caller turns it into errc::invalid_input, the tx fails); a
// storage failure or corrupt record throws fault (the block fails).
struct reject {
  std::string reason;
};
struct fault {
  error err;
};

template <class T>
T must(result<T> r) {
  if (!r)
    throw fault{r.err()};
  return std::move(*r);
}

uint64_t add(uint64_t a, uint64_t b, const char* what) {
  if (a + b < a)
    throw reject{std::string("overflow: ") + what + " would exceed 2^64-1"};
  return a + b;
}

uint64_t mul_div(uint64_t a, uint64_t b, uint64_t c) {
  unsigned __int128 r = static_cast<unsigned __int128>(a) * b / c;
  return r > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(r);
}

constexpr uint64_t ppm_one_u64 = 1000000;

std::string short_hex(std::string_view key) { return chain::to_hex(key).substr(0, 16); }

template <class F>
status guard(F f) {
  try {
    f();
    return {};
  } catch (const reject& e) {
    return make_error(errc::invalid_input, e.reason);
  } catch (const fault& e) {
    return e.err;
  }
}

class store {
public:
  explicit store(market_context& c) : c_(c) {}

  std::optional<std::string> raw(const std::string& key) const { return must(c_.view.get(key)); }
  std::vector<std::pair<std::string, std::string>> scan(const std::string& prefix) const {
    return must(c_.view.scan(prefix));
  }
  void put(const std::string& key, const std::string& value) { c_.sink.put(key, value); }
  void del(const std::string& key) { c_.sink.del(key); }

  uint64_t u64(const std::string& key) const {
    auto r = raw(key);
    return r ? must(chain::decode_u64(*r)) : 0;
  }
  void put_u64(const std::string& key, uint64_t v) {
    if (v == 0)
      del(key);
    else
      put(key, chain::encode_u64(v));
  }
  void add_u64(const std::string& key, uint64_t v, const char* what) {
    if (v)
      put_u64(key, add(u64(key), v, what));
  }

  chain::account acct(std::string_view k) const {
    auto r = raw(chain::key_of(chain::table::account, k));
    return r ? must(chain::decode_account(*r)) : chain::account{};
  }
  void put_acct(std::string_view k, const chain::account& a) {
    auto key = chain::key_of(chain::table::account, k);
    if (a.balance == 0 && a.nonce == 0)
      del(key);
    else
      put(key, chain::encode(a));
  }
  void debit(std::string_view k, uint64_t amount, const std::string& what) {
    auto a = acct(k);
    if (a.balance < amount)
      throw reject{"insufficient funds: balance " + std::to_string(a.balance) + " after the fee, " + what + " " +
                   std::to_string(amount)};
    a.balance -= amount;
    put_acct(k, a);
  }
  void credit(std::string_view k, uint64_t amount) {
    if (amount == 0)
      return;
    auto a = acct(k);
    a.balance = add(a.balance, amount, "balance");
    put_acct(k, a);
  }
  std::optional<chain::node_record> node(std::string_view k) const {
    auto r = raw(chain::key_of(chain::table::node, k));
    if (!r)
      return std::nullopt;
    return must(chain::decode_node(*r));
  }

  std::optional<file_record> file(std::string_view cid) const {
    auto r = raw(file_key(cid));
    if (!r)
      return std::nullopt;
    return must(decode_file_record(*r));
  }
  void put_file(std::string_view cid, const file_record& f) { put(file_key(cid), encode(f)); }

  std::optional<node_report> report(std::string_view node_key) const {
    auto r = raw(node_report_key(node_key));
    if (!r)
      return std::nullopt;
    return must(decode_node_report(*r));
  }
  void put_report(std::string_view node_key, const node_report& r) { put(node_report_key(node_key), encode(r)); }

  std::optional<challenge_set> challenges(std::string_view node_key) const {
    auto r = raw(challenges_key(node_key));
    if (!r)
      return std::nullopt;
    return must(decode_challenge_set(*r));
  }

  std::vector<std::pair<std::string, uint64_t>> node_files(std::string_view node_key) const {
    std::vector<std::pair<std::string, uint64_t>> out;
    auto prefix = node_file_key(node_key);
    for (const auto& [k, v] : scan(prefix))
      out.emplace_back(k.substr(prefix.size()), must(chain::decode_u64(v)));
    return out;
  }
  bool holds(std::string_view node_key, std::string_view cid) const {
    return raw(node_file_key(node_key, cid)).has_value();
  }

  slot_info slot() const { return must(read_slot(c_.view)); }

  // Staking share of an order: scheduled over the pot_eras eras after the current one.
  void schedule_pot(uint64_t pot) {
    const auto& p = c_.params;
    for (uint32_t i = 0; i < p.pot_eras; ++i)
      add_u64(pot_schedule_key(c_.era.index + 1 + i), pot_for_era(pot, p.pot_eras, i), "scheduled staking pot");
  }

  void set_power(std::string_view node_key, uint64_t power) {
    auto n = node(node_key);
    if (!n || n->storage_power == power)
      return;
    auto st = chain::set_storage_power(c_.view, c_.sink, node_key, power);
    if (!st)
      throw fault{st.err()};
  }

private:
  market_context& c_;
};

order_fee fee_of(const chain::chain_params& p, uint64_t size, uint64_t tips) {
  auto f = compute_fee(pricing_of(p), size, tips);
  if (!f)
    throw reject{"order: " + f.err().message};
  return *f;
}

fee_split split_of(const chain::chain_params& p, const order_fee& f) {
  auto s = split_fee(pricing_of(p), f);
  if (!s)
    throw reject{"order: " + s.err().message};
  return *s;
}

// Keeps replicas earliest first: by since_slot, then node key.
void insert_replica(file_record& f, replica r) {
  auto it = std::upper_bound(f.replicas.begin(), f.replicas.end(), r, [](const replica& a, const replica& b) {
    return a.since_slot != b.since_slot ? a.since_slot < b.since_slot : a.node_key < b.node_key;
  });
  f.replicas.insert(it, std::move(r));
}

replica* find_replica(file_record& f, std::string_view node_key) {
  for (auto& r : f.replicas)
    if (r.node_key == node_key)
      return &r;
  return nullptr;
}

void require_node_sender(const store& s, std::string_view sender, const char* what) {
  if (!s.node(sender))
    throw reject{std::string(what) + ": the sender " + short_hex(sender) +
                 " is not a registered node key (register_node first)"};
}

std::string zero_hash() { return std::string(32, '\0'); }

} // namespace

// --- keys and codecs ----------------------------------------------------------------------

std::string file_key(std::string_view cid) { return chain::key_of(table::file, cid); }
std::string node_report_key(std::string_view node_key) { return chain::key_of(table::node_report, node_key); }
std::string node_file_key(std::string_view node_key, std::string_view cid) {
  return chain::key_of(table::node_file, node_key, cid);
}
std::string challenges_key(std::string_view node_key) { return chain::key_of(table::challenges, node_key); }
std::string slot_key() { return chain::key_of(table::slot); }
std::string pot_schedule_key(uint64_t era) {
  std::string k(1, table::pot_schedule);
  put_be(k, era, 8);
  return k;
}
std::string reserve_key() { return chain::key_of(table::reserve); }

const char* to_string(file_status s) {
  switch (s) {
  case file_status::pending: return "pending";
  case file_status::live: return "live";
  }
  return "unknown";
}

std::string encode(const file_record& f) {
  return packed([&](packer& pk) {
    pk.pack_array(9);
    pk.pack_uint64(f.size);
    pack_bin(pk, f.proof_root);
    pk.pack_uint64(static_cast<uint64_t>(f.status));
    pk.pack_uint64(f.created_height);
    pk.pack_uint64(f.expiry_height);
    pk.pack_uint64(f.pool);
    pk.pack_uint64(f.prepaid);
    pk.pack_uint64(f.orders);
    pk.pack_array(static_cast<uint32_t>(f.replicas.size()));
    for (const auto& r : f.replicas) {
      pk.pack_array(4);
      pack_bin(pk, r.node_key);
      pk.pack_uint64(r.since_slot);
      pk.pack_uint64(r.last_proven_slot);
      pk.pack_uint64(r.failures);
    }
  });
}

std::string encode(const node_report& r) {
  return packed([&](packer& pk) {
    pk.pack_array(8);
    pk.pack_uint64(r.last_slot);
    pk.pack_uint64(r.files_bytes);
    pk.pack_uint64(r.reserved_bytes);
    pack_bin(pk, r.reserved_root);
    pack_bin(pk, r.reserved_beacon);
    pk.pack_uint64(r.reserved_since_slot);
    pk.pack_uint64(r.penalty_until_slot);
    pk.pack_uint64(r.last_proven_slot);
  });
}

std::string encode(const challenge_set& c) {
  return packed([&](packer& pk) {
    pk.pack_array(2);
    pk.pack_uint64(c.slot);
    pk.pack_array(static_cast<uint32_t>(c.challenges.size()));
    for (const auto& e : c.challenges) {
      pk.pack_array(3);
      pack_bin(pk, e.cid);
      pk.pack_uint64(e.segment_index);
      if (e.answered)
        pk.pack_true();
      else
        pk.pack_false();
    }
  });
}

std::string encode(const slot_info& s) {
  return packed([&](packer& pk) {
    pk.pack_array(2);
    pk.pack_uint64(s.slot);
    pack_bin(pk, s.slot_hash);
  });
}

result<file_record> decode_file_record(std::string_view bytes) {
  rec r{"file"};
  MR_TRY(oh, unpack_whole(bytes, record_limit, "file record"));
  MR_TRY(f, r.array(oh.get(), 9));
  file_record out;
  MR_TRY(size, r.u64(f[0]));
  MR_TRY(root, r.bin(f[1], 32));
  MR_TRY(status, r.u64(f[2]));
  if (status > 1)
    return r.fail("status " + std::to_string(status) + " is neither pending (0) nor live (1)");
  MR_TRY(created, r.u64(f[3]));
  MR_TRY(expiry, r.u64(f[4]));
  MR_TRY(pool, r.u64(f[5]));
  MR_TRY(prepaid, r.u64(f[6]));
  MR_TRY(orders, r.u64(f[7]));
  MR_TRY(reps, r.list(f[8]));
  out.size = size;
  out.proof_root = std::move(root);
  out.status = static_cast<file_status>(status);
  out.created_height = created;
  out.expiry_height = expiry;
  out.pool = pool;
  out.prepaid = prepaid;
  out.orders = orders;
  for (uint32_t i = 0; i < reps.second; ++i) {
    MR_TRY(e, r.array(reps.first[i], 4));
    MR_TRY(node, r.bin(e[0], chain::key_size));
    MR_TRY(since, r.u64(e[1]));
    MR_TRY(proven, r.u64(e[2]));
    MR_TRY(failures, r.u64(e[3]));
    out.replicas.push_back({std::move(node), since, proven, failures});
  }
  return r.canonical(std::move(out), bytes);
}

result<node_report> decode_node_report(std::string_view bytes) {
  rec r{"node report"};
  MR_TRY(oh, unpack_whole(bytes, record_limit, "node report record"));
  MR_TRY(f, r.array(oh.get(), 8));
  node_report out;
  MR_TRY(last, r.u64(f[0]));
  MR_TRY(files, r.u64(f[1]));
  MR_TRY(reserved, r.u64(f[2]));
  MR_TRY(root, root_field(r, f[3]));
  MR_TRY(beacon, root_field(r, f[4]));
  MR_TRY(since, r.u64(f[5]));
  MR_TRY(penalty, r.u64(f[6]));
  MR_TRY(proven, r.u64(f[7]));
  out.last_slot = last;
  out.files_bytes = files;
  out.reserved_bytes = reserved;
  out.reserved_root = std::move(root);
  out.reserved_beacon = std::move(beacon);
  out.reserved_since_slot = since;
  out.penalty_until_slot = penalty;
  out.last_proven_slot = proven;
  return r.canonical(std::move(out), bytes);
}

result<challenge_set> decode_challenge_set(std::string_view bytes) {
  rec r{"challenge set"};
  MR_TRY(oh, unpack_whole(bytes, record_limit, "challenge set record"));
  MR_TRY(f, r.array(oh.get(), 2));
  challenge_set out;
  MR_TRY(slot, r.u64(f[0]));
  out.slot = slot;
  MR_TRY(l, r.list(f[1]));
  for (uint32_t i = 0; i < l.second; ++i) {
    MR_TRY(e, r.array(l.first[i], 3));
    MR_TRY(cid, r.bin(e[0], 0, chain::max_cid_bytes));
    MR_TRY(index, r.u64(e[1]));
    MR_TRY(answered, r.boolean(e[2]));
    out.challenges.push_back({std::move(cid), index, answered});
  }
  return r.canonical(std::move(out), bytes);
}

result<slot_info> decode_slot_info(std::string_view bytes) {
  rec r{"slot"};
  MR_TRY(oh, unpack_whole(bytes, record_limit, "slot record"));
  MR_TRY(f, r.array(oh.get(), 2));
  MR_TRY(slot, r.u64(f[0]));
  MR_TRY(hash, r.bin(f[1], 32));
  return r.canonical(slot_info{slot, std::move(hash)}, bytes);
}

std::string files_root(const std::vector<std::pair<std::string, uint64_t>>& set) {
  const std::vector<std::pair<std::string, uint64_t>>* in = &set;
  std::vector<std::pair<std::string, uint64_t>> sorted;
  if (!std::is_sorted(set.begin(), set.end())) {
    sorted = set;
    std::sort(sorted.begin(), sorted.end());
    in = &sorted;
  }
  auto h = Botan::HashFunction::create_or_throw("BLAKE2b(256)");
  static const std::string domain = "mantle/files/v1";
  h->update(domain);
  std::string buf;
  for (const auto& [cid, size] : *in) {
    buf.clear();
    put_be(buf, cid.size(), 4);
    buf += cid;
    put_be(buf, size, 8);
    h->update(buf);
  }
  auto d = h->final();
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

uint64_t slot_of(uint64_t height, uint64_t slot_blocks) { return height == 0 ? 0 : (height - 1) / slot_blocks; }
uint64_t first_height_of(uint64_t slot, uint64_t slot_blocks) { return slot * slot_blocks + 1; }

pricing_params pricing_of(const chain::chain_params& p) {
  pricing_params out;
  out.base_fee = p.order_base_fee;
  out.byte_fee_per_mib = p.order_byte_fee_per_mib;
  out.key_fee = p.order_key_fee;
  out.staking_share_ppm = p.staking_share_ppm;
  out.pool_share_ppm = p.pool_share_ppm;
  out.pot_eras = p.pot_eras;
  return out;
}

// --- queries ------------------------------------------------------------------------------

result<std::optional<file_record>> read_file(const state_view& v, std::string_view cid) {
  auto r = v.get(file_key(cid));
  if (!r)
    return r.err();
  if (!*r)
    return std::optional<file_record>();
  auto f = decode_file_record(**r);
  if (!f)
    return f.err();
  return std::optional<file_record>(std::move(*f));
}

result<std::vector<std::pair<std::string, file_record>>> read_files(const state_view& v, std::string_view after_cid,
                                                                    size_t limit) {
  auto all = v.scan(std::string(1, table::file));
  if (!all)
    return all.err();
  std::vector<std::pair<std::string, file_record>> out;
  for (const auto& [k, val] : *all) {
    if (out.size() >= limit)
      break;
    std::string_view cid = std::string_view(k).substr(1);
    if (!after_cid.empty() && cid <= after_cid)
      continue;
    auto f = decode_file_record(val);
    if (!f)
      return f.err();
    out.emplace_back(std::string(cid), std::move(*f));
  }
  return out;
}

result<std::optional<node_report>> read_node_report(const state_view& v, std::string_view node_key) {
  auto r = v.get(node_report_key(node_key));
  if (!r)
    return r.err();
  if (!*r)
    return std::optional<node_report>();
  auto n = decode_node_report(**r);
  if (!n)
    return n.err();
  return std::optional<node_report>(std::move(*n));
}

result<std::vector<std::pair<std::string, uint64_t>>> read_node_files(const state_view& v, std::string_view node_key) {
  auto prefix = node_file_key(node_key);
  auto all = v.scan(prefix);
  if (!all)
    return all.err();
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const auto& [k, val] : *all) {
    auto size = chain::decode_u64(val);
    if (!size)
      return size.err();
    out.emplace_back(k.substr(prefix.size()), *size);
  }
  return out;
}

result<std::optional<challenge_set>> read_challenges(const state_view& v, std::string_view node_key) {
  auto r = v.get(challenges_key(node_key));
  if (!r)
    return r.err();
  if (!*r)
    return std::optional<challenge_set>();
  auto c = decode_challenge_set(**r);
  if (!c)
    return c.err();
  return std::optional<challenge_set>(std::move(*c));
}

result<slot_info> read_slot(const state_view& v) {
  auto r = v.get(slot_key());
  if (!r)
    return r.err();
  if (!*r)
    return slot_info{0, zero_hash()};
  return decode_slot_info(**r);
}

result<uint64_t> read_reserve(const state_view& v) {
  auto r = v.get(reserve_key());
  if (!r)
    return r.err();
  return *r ? chain::decode_u64(**r) : result<uint64_t>(uint64_t{0});
}

result<uint64_t> read_pot_schedule(const state_view& v, uint64_t era) {
  auto r = v.get(pot_schedule_key(era));
  if (!r)
    return r.err();
  return *r ? chain::decode_u64(**r) : result<uint64_t>(uint64_t{0});
}

// --- rules --------------------------------------------------------------------------------

result<bool> fee_exempt(const state_view& v, uint64_t type, std::string_view sender) {
  if (type != static_cast<uint64_t>(chain::tx_type::work_report) &&
      type != static_cast<uint64_t>(chain::tx_type::storage_proof))
    return false;
  auto n = v.get(chain::key_of(chain::table::node, sender));
  if (!n)
    return n.err();
  return n->has_value();
}

status apply_place_order(market_context& c, std::string_view sender, const chain::txs::place_order& x) {
  return guard([&] {
    store s(c);
    const auto& p = c.params;
    if (x.size > p.max_file_bytes)
      throw reject{"order: size " + std::to_string(x.size) + " is above the largest orderable " +
                   std::to_string(p.max_file_bytes) + " bytes"};
    auto existing = s.file(x.cid);
    if (existing && (existing->size != x.size || existing->proof_root != x.proof_root))
      throw reject{"order: cid already ordered with size " + std::to_string(existing->size) + " and proof root " +
                   short_hex(existing->proof_root) + "; an order must repeat both"};
    auto fee = fee_of(p, x.size, x.tips);
    auto split = split_of(p, fee);
    s.debit(sender, fee.total, "order fee");
    s.schedule_pot(split.staking_pot);
    s.add_u64(reserve_key(), split.reserved, "market reserve");
    file_record f;
    if (existing) {
      f = std::move(*existing);
      if (f.status == file_status::live)
        f.expiry_height = add(f.expiry_height, p.file_duration_blocks, "expiry height");
    } else {
      f.size = x.size;
      f.proof_root = x.proof_root;
      f.created_height = c.height;
    }
    f.pool = add(f.pool, split.pool, "file pool");
    f.orders = add(f.orders, 1, "order count");
    s.put_file(x.cid, f);
  });
}

status apply_add_prepaid(market_context& c, std::string_view sender, const chain::txs::add_prepaid& x) {
  return guard([&] {
    store s(c);
    if (x.amount == 0)
      throw reject{"add_prepaid: amount must be positive"};
    auto f = s.file(x.cid);
    if (!f)
      throw reject{"add_prepaid: no order for this cid (place_order first)"};
    s.debit(sender, x.amount, "add_prepaid");
    f->prepaid = add(f->prepaid, x.amount, "prepaid");
    s.put_file(x.cid, *f);
  });
}

status apply_work_report(market_context& c, std::string_view sender, const chain::txs::work_report& x) {
  return guard([&] {
    store s(c);
    const auto& p = c.params;
    require_node_sender(s, sender, "work_report");
    const uint64_t slot = slot_of(c.height, p.slot_blocks);
    if (x.slot != slot)
      throw reject{"work_report: for slot " + std::to_string(x.slot) + " but the current slot is " + std::to_string(slot)};
    auto si = s.slot();
    if (x.slot_hash != si.slot_hash)
      throw reject{"work_report: slot hash " + short_hex(x.slot_hash) + " is not the hash of slot " +
                   std::to_string(slot) + " (" + short_hex(si.slot_hash) + ")"};
    auto old = s.report(sender);
    node_report r = old ? *old : node_report{};
    if (old && r.last_slot == slot)
      throw reject{"work_report: the node already reported in slot " + std::to_string(slot)};
    if (x.added.size() + x.deleted.size() > p.max_report_files)
      throw reject{"work_report: " + std::to_string(x.added.size() + x.deleted.size()) +
                   " added and deleted files, more than the " + std::to_string(p.max_report_files) + " allowed"};
    std::set<std::string> seen;
    for (const auto* l : {&x.added, &x.deleted})
      for (const auto& cid : *l)
        if (!seen.insert(cid).second)
          throw reject{"work_report: cid " + short_hex(cid) + " is listed twice"};
    if (x.reserved_bytes % p.reserved_unit_bytes != 0)
      throw reject{"work_report: reserved_bytes " + std::to_string(x.reserved_bytes) + " is not a multiple of " +
                   std::to_string(p.reserved_unit_bytes)};

    auto set = s.node_files(sender);
    std::map<std::string, uint64_t> next(set.begin(), set.end());
    uint64_t bytes = r.files_bytes;
    std::vector<std::pair<std::string, file_record>> added;
    for (const auto& cid : x.added) {
      auto f = s.file(cid);
      if (!f)
        throw reject{"work_report: added cid " + short_hex(cid) + " has no order"};
      if (next.count(cid))
        throw reject{"work_report: added cid " + short_hex(cid) + " is already in the node's set"};
      next.emplace(cid, f->size);
      bytes = add(bytes, f->size, "files_bytes");
      added.emplace_back(cid, std::move(*f));
    }
    for (const auto& cid : x.deleted) {
      auto it = next.find(cid);
      if (it == next.end())
        throw reject{"work_report: deleted cid " + short_hex(cid) + " is not in the node's set"};
      if (it->second > bytes)
        throw reject{"work_report: the node's files_bytes is below its set (corrupt state)"};
      bytes -= it->second;
      next.erase(it);
    }
    if (x.files_bytes != bytes)
      throw reject{"work_report: files_bytes " + std::to_string(x.files_bytes) + " but the node's set holds " +
                   std::to_string(bytes) + " bytes after this report"};
    std::vector<std::pair<std::string, uint64_t>> next_set(next.begin(), next.end());
    if (x.files_root != files_root(next_set))
      throw reject{"work_report: files_root " + short_hex(x.files_root) + " is not the root of the node's set of " +
                   std::to_string(next_set.size()) + " files after this report"};

    for (auto& [cid, f] : added) {
      insert_replica(f, replica{std::string(sender), slot, no_slot, 0});
      s.put_file(cid, f);
      s.put(node_file_key(sender, cid), chain::encode_u64(f.size));
    }
    for (const auto& cid : x.deleted) {
      s.del(node_file_key(sender, cid));
      if (auto f = s.file(cid)) {
        f->replicas.erase(std::remove_if(f->replicas.begin(), f->replicas.end(),
                                         [&](const replica& rp) { return rp.node_key == sender; }),
                          f->replicas.end());
        s.put_file(cid, *f);
      }
    }
    if (!old || x.reserved_bytes != r.reserved_bytes || x.reserved_root != r.reserved_root) {
      r.reserved_beacon = si.slot_hash;
      r.reserved_since_slot = slot;
    }
    r.last_slot = slot;
    r.files_bytes = bytes;
    r.reserved_bytes = x.reserved_bytes;
    r.reserved_root = x.reserved_root;
    s.put_report(sender, r);
    uint64_t power = s.node(sender)->storage_power;
    c.events.push_back({chain::event_kind::report, c.era.index, std::string(sender), power,
                        "work report of node " + chain::to_hex(sender) + " for slot " + std::to_string(slot) + ": " +
                            std::to_string(next_set.size()) + " files, " + std::to_string(bytes) + " bytes, " +
                            std::to_string(x.reserved_bytes) + " reserved bytes (+" + std::to_string(x.added.size()) +
                            " −" + std::to_string(x.deleted.size()) + ")"});
  });
}

status apply_storage_proof(market_context& c, std::string_view sender, const chain::txs::storage_proof& x) {
  return guard([&] {
    store s(c);
    require_node_sender(s, sender, "storage_proof");
    const uint64_t slot = slot_of(c.height, c.params.slot_blocks);
    if (x.slot != slot)
      throw reject{"storage_proof: for slot " + std::to_string(x.slot) + " but the current slot is " +
                   std::to_string(slot)};
    auto q = s.challenges(sender);
    if (!q || q->slot != slot)
      throw reject{"storage_proof: the node has no challenges in slot " + std::to_string(slot)};
    if (x.answers.empty())
      throw reject{"storage_proof: no answers"};
    std::optional<node_report> r;
    std::set<uint64_t> seen;
    for (const auto& a : x.answers) {
      std::string which = "storage_proof: challenge " + std::to_string(a.challenge_no);
      if (a.challenge_no >= q->challenges.size())
        throw reject{which + " does not exist (the node has " + std::to_string(q->challenges.size()) +
                     " challenges in slot " + std::to_string(slot) + ")"};
      if (!seen.insert(a.challenge_no).second)
        throw reject{which + " is answered twice in this transaction"};
      auto& ch = q->challenges[a.challenge_no];
      if (ch.answered)
        throw reject{which + " was already answered"};
      // Reserved space is answered with the segment before the challenged one too (see
      // reserved::answer); a file segment with its proof alone.
      std::optional<reserved::answer> res;
      result<proof::segment_proof> proof = make_error(errc::invalid_input, "");
      if (ch.cid.empty()) {
        auto ra = reserved::decode_answer(a.proof);
        if (!ra)
          throw reject{which + ": " + ra.err().message};
        res = std::move(*ra);
        proof = res->challenged;
      } else {
        proof = proof::decode_segment_proof(a.proof);
      }
      if (!proof)
        throw reject{which + ": " + proof.err().message};
      if (proof->index != ch.segment_index)
        throw reject{which + ": the proof is for segment " + std::to_string(proof->index) + ", the challenge asks for " +
                     std::to_string(ch.segment_index)};
      std::string root;
      uint64_t size = 0;
      if (ch.cid.empty()) {
        if (!r)
          r = s.report(sender);
        if (!r || r->reserved_bytes == 0 || r->reserved_since_slot >= slot)
          throw reject{which + ": the reserved space it challenges was redeclared (the challenge is waived)"};
        root = r->reserved_root;
        size = r->reserved_bytes;
      } else {
        if (!s.holds(sender, ch.cid))
          throw reject{which + ": file " + short_hex(ch.cid) + " left the node's set (the challenge is waived)"};
        auto f = s.file(ch.cid);
        if (!f)
          throw fault{make_error(errc::corrupt, "node set names a file without a record")};
        root = f->proof_root;
        size = f->size;
      }
      proof::digest d{};
      if (root.size() != d.size())
        throw reject{which + ": no proof root to verify against"};
      std::copy(root.begin(), root.end(), d.begin());
      auto v = proof::verify(d, size, *proof);
      if (v != proof::verify_status::ok)
        throw reject{which + " (" + (ch.cid.empty() ? std::string("reserved space") : "file " + short_hex(ch.cid)) +
                     " segment " + std::to_string(ch.segment_index) + "): " + proof::to_string(v)};
      if (ch.cid.empty()) {
        std::string prev_label;
        if (ch.segment_index > 0) {
          if (!res->previous)
            throw reject{which + " (reserved space segment " + std::to_string(ch.segment_index) +
                         "): the answer lacks the proof of the segment before it"};
          auto pv = proof::verify(d, size, *res->previous);
          if (pv != proof::verify_status::ok)
            throw reject{which + " (reserved space segment " + std::to_string(ch.segment_index - 1) +
                         ", the one before the challenged): " + proof::to_string(pv)};
          prev_label = res->previous->segment.substr(res->previous->segment.size() - reserved::label_size);
        } else if (res->previous) {
          throw reject{which + ": segment 0 has no segment before it"};
        }
        if (!reserved::check_labels(sender, r->reserved_beacon, ch.segment_index, proof->segment, prev_label))
          throw reject{which + " (reserved space segment " + std::to_string(ch.segment_index) +
                       "): the segment is not this node's label chain for its beacon"};
      }
      ch.answered = true;
    }
    s.put(challenges_key(sender), encode(*q));
  });
}

namespace {

// Step 2 for one node: settles slot `prev` and sets the storage power it earned.
void settle_node(market_context& c, store& s, const std::string& node_key, node_report r, uint64_t prev) {
  const auto& p = c.params;
  const bool reported = r.last_slot == prev;
  auto set = s.node_files(node_key);
  // A slot without a challenge set (the node's first reported slot, or the one after a missed
  // report) proves nothing: it neither pays nor counts as a failure.
  bool passed = false;
  std::set<std::string> failed; // files with an unanswered challenge
  if (auto q = s.challenges(node_key); q && q->slot == prev) {
    passed = true;
    for (const auto& ch : q->challenges) {
      if (ch.answered)
        continue;
      if (ch.cid.empty()) {
        if (r.reserved_bytes > 0 && r.reserved_since_slot < q->slot)
          passed = false;
      } else if (s.holds(node_key, ch.cid)) {
        passed = false;
        failed.insert(ch.cid);
      }
    }
  }
  if (!reported) {
    r.penalty_until_slot = add(prev, p.missed_report_slots, "penalty slot");
    // A silent node proves none of its files: all of its replicas count a failed slot, so a
    // node that is gone loses its replicas and the files are replicated elsewhere.
    for (const auto& [cid, size] : set)
      failed.insert(cid);
  }
  const bool proven = reported && passed;
  if (!proven) {
    for (const auto& cid : failed) {
      auto f = s.file(cid);
      if (!f)
        continue;
      auto* rep = find_replica(*f, node_key);
      if (!rep)
        continue;
      rep->failures = add(rep->failures, 1, "replica failures");
      if (rep->failures >= p.lost_after_failures) {
        uint64_t failures = rep->failures;
        f->replicas.erase(f->replicas.begin() + (rep - f->replicas.data()));
        s.del(node_file_key(node_key, cid));
        r.files_bytes = r.files_bytes >= f->size ? r.files_bytes - f->size : 0;
        c.events.push_back({chain::event_kind::replica_lost, c.era.index, node_key, f->size,
                            "node " + chain::to_hex(node_key) + " lost its replica of " + chain::to_hex(cid) + " after " +
                                std::to_string(failures) + " failed slots (" + std::to_string(f->replicas.size()) +
                                " replicas left)"});
      }
      s.put_file(cid, *f);
    }
  } else {
    for (const auto& [cid, size] : set) {
      auto f = s.file(cid);
      if (!f)
        continue;
      auto* rep = find_replica(*f, node_key);
      if (!rep || rep->since_slot >= prev)
        continue;
      rep->last_proven_slot = prev;
      rep->failures = 0;
      s.put_file(cid, *f);
    }
    r.last_proven_slot = prev;
  }
  uint64_t power = 0;
  const bool penalized = r.penalty_until_slot != no_slot && prev <= r.penalty_until_slot;
  if (proven && !penalized) {
    power = r.files_bytes;
    if (r.reserved_bytes > 0 && r.reserved_since_slot < prev)
      power = add(power, mul_div(r.reserved_bytes, p.reserved_weight_ppm, ppm_one_u64), "storage power");
  }
  s.put_report(node_key, r);
  s.set_power(node_key, power);
}

// Steps 3 and 4 for one file.
void pay_and_expire(market_context& c, store& s, const std::string& cid, file_record f, uint64_t prev) {
  const auto& p = c.params;
  const uint64_t h = c.height;
  bool changed = false;
  std::vector<const replica*> proven;
  for (const auto& rep : f.replicas)
    if (rep.last_proven_slot == prev)
      proven.push_back(&rep);
  if (f.status == file_status::pending && !proven.empty()) {
    f.status = file_status::live;
    f.expiry_height = add(h, p.file_duration_blocks, "expiry height");
    changed = true;
    c.events.push_back({chain::event_kind::order_live, c.era.index, cid, f.size,
                        "order " + chain::to_hex(cid) + " is live until height " + std::to_string(f.expiry_height)});
  }
  if (f.status == file_status::live && !proven.empty() && f.pool > 0) {
    uint64_t left = f.expiry_height > h ? f.expiry_height - h : 0;
    uint64_t remaining = std::max<uint64_t>(1, left / p.slot_blocks + (left % p.slot_blocks != 0 ? 1 : 0));
    auto pay = pool_slot_payout(f.pool, remaining, static_cast<uint32_t>(std::min<size_t>(proven.size(), UINT32_MAX)),
                                p.max_replicas);
    for (uint32_t i = 0; i < pay.paid_replicas && pay.per_replica > 0; ++i) {
      auto n = s.node(proven[i]->node_key);
      if (!n)
        continue;
      s.credit(n->owner, pay.per_replica);
      f.pool -= pay.per_replica;
      changed = true;
    }
  }
  if (f.status == file_status::live && f.expiry_height <= h) {
    auto fee = compute_fee(pricing_of(p), f.size, 0);
    if (fee && f.prepaid >= fee->total) {
      auto split = split_of(p, *fee);
      f.prepaid -= fee->total;
      s.schedule_pot(split.staking_pot);
      s.add_u64(reserve_key(), split.reserved, "market reserve");
      f.pool = add(f.pool, split.pool, "file pool");
      f.expiry_height = add(f.expiry_height, p.file_duration_blocks, "expiry height");
      f.orders = add(f.orders, 1, "order count");
      changed = true;
    } else {
      for (const auto& rep : f.replicas) {
        s.del(node_file_key(rep.node_key, cid));
        if (auto r = s.report(rep.node_key)) {
          r->files_bytes = r->files_bytes >= f.size ? r->files_bytes - f.size : 0;
          s.put_report(rep.node_key, *r);
        }
      }
      s.add_u64(reserve_key(), add(f.pool, f.prepaid, "leftover"), "market reserve");
      s.del(file_key(cid));
      return;
    }
  }
  if (changed)
    s.put_file(cid, f);
}

// Step 5 for one node.
void draw_challenges(market_context& c, store& s, const std::string& node_key, const node_report& r, uint64_t slot,
                     const proof::seed32& seed) {
  std::vector<proof::stored_file> files;
  if (r.reserved_bytes > 0 && r.reserved_since_slot < slot)
    files.push_back({std::string(), proof::leaf_count(r.reserved_bytes)});
  for (const auto& [cid, size] : s.node_files(node_key))
    files.push_back({cid, proof::leaf_count(size)});
  std::vector<uint8_t> key(node_key.begin(), node_key.end());
  challenge_set q;
  q.slot = slot;
  for (const auto& ch : proof::select_challenges(seed, key, files, c.params.challenges_per_slot))
    q.challenges.push_back({files[ch.file_index].file_id, ch.segment_index, false});
  s.put(challenges_key(node_key), encode(q));
}

} // namespace

status begin_block(market_context& c, std::string_view prev_hash) {
  return guard([&] {
    const uint64_t sb = c.params.slot_blocks;
    if (c.height == 0 || (c.height - 1) % sb != 0)
      return;
    const uint64_t slot = (c.height - 1) / sb;
    if (slot == 0)
      return;
    const uint64_t prev = slot - 1;
    std::string hash = prev_hash.empty() ? zero_hash() : std::string(prev_hash);
    if (hash.size() != 32)
      throw fault{make_error(errc::invalid_input, "block prev_hash must be 32 bytes")};
    store s(c);
    s.put(slot_key(), encode(slot_info{slot, hash}));

    const std::string report_prefix(1, table::node_report);
    for (const auto& [k, v] : s.scan(report_prefix))
      settle_node(c, s, k.substr(1), must(decode_node_report(v)), prev);
    for (const auto& [k, v] : s.scan(std::string(1, table::file)))
      pay_and_expire(c, s, k.substr(1), must(decode_file_record(v)), prev);
    proof::seed32 seed{};
    std::copy(hash.begin(), hash.end(), seed.begin());
    for (const auto& [k, v] : s.scan(report_prefix)) {
      auto r = must(decode_node_report(v));
      std::string node_key = k.substr(1);
      if (r.last_slot == prev)
        draw_challenges(c, s, node_key, r, slot, seed);
      else if (s.raw(challenges_key(node_key)))
        s.del(challenges_key(node_key));
    }
  });
}

status open_era(market_context& c) {
  return guard([&] {
    store s(c);
    auto key = pot_schedule_key(c.era.index);
    uint64_t due = s.u64(key);
    if (due == 0)
      return;
    c.era.pot = add(c.era.pot, due, "staking pot");
    s.del(key);
  });
}

} // namespace mantle::market
