#include "actors/prover/claim_book.hpp"

#include <algorithm>
#include <msgpack.hpp>

#include "storage/atomic_file.hpp"
#include "storage/msgpack_read.hpp"
#include "storage/msgpack_write.hpp"

namespace mantle::prover {
namespace {

constexpr size_t max_file_bytes = 64u << 20;
constexpr size_t max_cid_bytes = 128;

error corrupt(const std::string& path, const std::string& why) {
  return make_error(errc::corrupt, "prover claims " + path + ": " + why);
}

} // namespace

std::string claim_book::encode(const std::map<std::string, add_entry>& adds, const std::set<std::string>& drops) {
  msgpack::sbuffer buf;
  msgpack_packer pk(buf);
  pk.pack_array(3);
  pk.pack_uint64(1);
  pk.pack_array(static_cast<uint32_t>(adds.size()));
  for (const auto& [cid, e] : adds) {
    pk.pack_array(3);
    pack_bin(pk, cid);
    pk.pack_uint64(e.size);
    pk.pack_uint64(e.since_slot);
  }
  pk.pack_array(static_cast<uint32_t>(drops.size()));
  for (const auto& cid : drops)
    pack_bin(pk, cid);
  return std::string(buf.data(), buf.size());
}

result<claim_book> claim_book::open(std::string path) {
  claim_book book(path);
  auto bytes = read_small_file(path, max_file_bytes);
  if (!bytes)
    return bytes.err();
  if (!*bytes)
    return book;
  msgpack::unpack_limit lim(1u << 20, 0, 0, max_cid_bytes, 0, 4);
  auto oh = unpack_whole(**bytes, lim, "prover claims " + path);
  if (!oh)
    return oh.err();
  const auto& o = oh->get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 3)
    return corrupt(path, "not [version, adds, drops]");
  const auto* f = o.via.array.ptr;
  if (f[0].type != msgpack::type::POSITIVE_INTEGER || f[0].via.u64 != 1)
    return corrupt(path, "unknown version");
  if (f[1].type != msgpack::type::ARRAY || f[2].type != msgpack::type::ARRAY)
    return corrupt(path, "adds or drops is not a list");
  auto is_cid = [](const msgpack::object& x) {
    return x.type == msgpack::type::BIN && x.via.bin.size > 0 && x.via.bin.size <= max_cid_bytes;
  };
  for (uint32_t i = 0; i < f[1].via.array.size; ++i) {
    const auto& e = f[1].via.array.ptr[i];
    if (e.type != msgpack::type::ARRAY || e.via.array.size != 3 || !is_cid(e.via.array.ptr[0]) ||
        e.via.array.ptr[1].type != msgpack::type::POSITIVE_INTEGER ||
        e.via.array.ptr[2].type != msgpack::type::POSITIVE_INTEGER)
      return corrupt(path, "add entry " + std::to_string(i) + " is not [cid, size, slot]");
    const auto& c = e.via.array.ptr[0].via.bin;
    book.adds_[std::string(c.ptr, c.size)] = add_entry{e.via.array.ptr[1].via.u64, e.via.array.ptr[2].via.u64};
  }
  for (uint32_t i = 0; i < f[2].via.array.size; ++i) {
    const auto& e = f[2].via.array.ptr[i];
    if (!is_cid(e))
      return corrupt(path, "drop entry " + std::to_string(i) + " is not a cid");
    book.drops_.insert(std::string(e.via.bin.ptr, e.via.bin.size));
  }
  return book;
}

status claim_book::save(const std::map<std::string, add_entry>& adds, const std::set<std::string>& drops) {
  if (auto s = write_file_atomic(path_, encode(adds, drops)); !s)
    return s;
  adds_ = adds;
  drops_ = drops;
  return {};
}

status claim_book::add(const std::string& cid, uint64_t size, uint64_t slot) {
  if (cid.empty() || cid.size() > max_cid_bytes)
    return make_error(errc::invalid_input, "a cid is 1 to " + std::to_string(max_cid_bytes) + " bytes");
  auto adds = adds_;
  auto drops = drops_;
  drops.erase(cid);
  auto it = adds.find(cid);
  if (it != adds.end() && it->second.size == size && drops.size() == drops_.size())
    return {}; // nothing changes
  adds[cid] = add_entry{size, it != adds.end() && it->second.size == size ? it->second.since_slot : slot};
  return save(adds, drops);
}

status claim_book::drop(const std::string& cid) {
  if (cid.empty() || cid.size() > max_cid_bytes)
    return make_error(errc::invalid_input, "a cid is 1 to " + std::to_string(max_cid_bytes) + " bytes");
  if (drops_.count(cid) && !adds_.count(cid))
    return {};
  auto adds = adds_;
  auto drops = drops_;
  adds.erase(cid);
  drops.insert(cid);
  return save(adds, drops);
}

status claim_book::forget_add(const std::string& cid) {
  if (!adds_.count(cid))
    return {};
  auto adds = adds_;
  adds.erase(cid);
  return save(adds, drops_);
}

result<std::vector<std::string>> claim_book::reconcile(const std::vector<std::pair<std::string, uint64_t>>& chain_set,
                                                       uint64_t give_up_before, const std::set<std::string>& have_record) {
  auto in_set = [&](const std::string& cid) {
    return std::binary_search(chain_set.begin(), chain_set.end(), std::make_pair(cid, uint64_t{0}),
                              [](const auto& a, const auto& b) { return a.first < b.first; });
  };
  auto adds = adds_;
  auto drops = drops_;
  std::vector<std::string> given_up;
  for (auto it = adds.begin(); it != adds.end();) {
    if (in_set(it->first)) {
      it = adds.erase(it);
    } else if (!have_record.count(it->first) && it->second.since_slot < give_up_before) {
      given_up.push_back(it->first);
      it = adds.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = drops.begin(); it != drops.end();)
    it = in_set(*it) ? std::next(it) : drops.erase(it);
  if (adds != adds_ || drops != drops_)
    if (auto s = save(adds, drops); !s)
      return s.err();
  return given_up;
}

local_claims claim_book::claims() const {
  local_claims c;
  for (const auto& [cid, e] : adds_)
    c.adds.emplace(cid, e.size);
  c.drops = drops_;
  return c;
}

} // namespace mantle::prover
