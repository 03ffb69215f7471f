#include "actors/prover/reserved_space.hpp"

#include <botan/hash.h>

#include <cstring>
#include <memory>

#include "storage/msgpack_read.hpp"
#include "storage/msgpack_write.hpp"

namespace mantle::reserved {

namespace {

constexpr std::string_view domain = "mantle/reserved/v1";

Botan::HashFunction& local_hash() {
  thread_local auto h = Botan::HashFunction::create_or_throw("BLAKE2b(256)");
  return *h;
}

label label_with(Botan::HashFunction& h, std::string_view node_key, std::string_view beacon, uint64_t index,
                 const uint8_t* prev) {
  h.update(reinterpret_cast<const uint8_t*>(domain.data()), domain.size());
  h.update(reinterpret_cast<const uint8_t*>(node_key.data()), node_key.size());
  h.update(reinterpret_cast<const uint8_t*>(beacon.data()), beacon.size());
  uint8_t be[8];
  for (int i = 7; i >= 0; --i) {
    be[i] = static_cast<uint8_t>(index);
    index >>= 8;
  }
  h.update(be, sizeof be);
  h.update(prev, label_size);
  label out;
  h.final(out.data());
  return out;
}

} // namespace

label make_label(std::string_view node_key, std::string_view beacon, uint64_t index, const label& prev) {
  return label_with(local_hash(), node_key, beacon, index, prev.data());
}

result<proof::tree_summary> generate(std::string_view node_key, std::string_view beacon, uint64_t bytes,
                                     const std::function<status(std::string_view)>& out,
                                     const std::function<bool(uint64_t)>& progress) {
  if (bytes == 0 || bytes % proof::segment_size != 0)
    return make_error(errc::invalid_input, "reserved space: " + std::to_string(bytes) +
                                               " bytes is not a positive multiple of the " +
                                               std::to_string(proof::segment_size) + "-byte segment");
  auto& h = local_hash();
  proof::tree_builder tree(bytes);
  constexpr uint64_t piece = 1 << 20;
  std::string buf;
  label prev{};
  uint64_t index = 0;
  for (uint64_t done = 0; done < bytes;) {
    uint64_t n = std::min(piece, bytes - done);
    buf.resize(n);
    for (uint64_t off = 0; off < n; off += label_size, ++index) {
      prev = label_with(h, node_key, beacon, index, prev.data());
      std::memcpy(&buf[off], prev.data(), label_size);
    }
    auto t = tree.update(buf);
    if (!t)
      return t.err();
    auto w = out(buf);
    if (!w)
      return w.err();
    done += n;
    if (progress && !progress(done))
      return make_error(errc::invalid_input, "reserved space: generation cancelled");
  }
  return tree.finish();
}

bool check_labels(std::string_view node_key, std::string_view beacon, uint64_t segment_index,
                  std::string_view segment, std::string_view prev_label) {
  if (segment.size() != proof::segment_size)
    return false;
  if (segment_index > UINT64_MAX / labels_per_segment)
    return false;
  auto& h = local_hash();
  const auto* p = reinterpret_cast<const uint8_t*>(segment.data());
  uint64_t first = segment_index * labels_per_segment;
  if (segment_index == 0) {
    label zero{};
    if (label_with(h, node_key, beacon, 0, zero.data()) != *reinterpret_cast<const label*>(p))
      return false;
  } else if (!prev_label.empty()) {
    if (prev_label.size() != label_size)
      return false;
    label l = label_with(h, node_key, beacon, first, reinterpret_cast<const uint8_t*>(prev_label.data()));
    if (std::memcmp(l.data(), p, label_size) != 0)
      return false;
  }
  for (uint64_t j = 1; j < labels_per_segment; ++j) {
    label l = label_with(h, node_key, beacon, first + j, p + (j - 1) * label_size);
    if (std::memcmp(l.data(), p + j * label_size, label_size) != 0)
      return false;
  }
  return true;
}

std::string encode_answer(const answer& a) {
  msgpack::sbuffer buf;
  msgpack_packer pk(buf);
  pk.pack_array(a.previous ? 2 : 1);
  pack_bin(pk, proof::encode(a.challenged));
  if (a.previous)
    pack_bin(pk, proof::encode(*a.previous));
  return std::string(buf.data(), buf.size());
}

result<answer> decode_answer(std::string_view bytes) {
  auto bad = [](const std::string& m) { return make_error(errc::invalid_input, "reserved space answer: " + m); };
  if (bytes.size() > max_encoded_answer_size)
    return bad("larger than " + std::to_string(max_encoded_answer_size) + " bytes");
  // array, map, str, bin, ext, depth
  msgpack::unpack_limit ul(2, 0, 0, proof::max_encoded_proof_size, 0, 1);
  auto oh = unpack_whole(bytes, ul, "reserved space answer");
  if (!oh)
    return make_error(errc::invalid_input, oh.err().message);
  const auto& o = oh->get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size < 1 || o.via.array.size > 2)
    return bad("not an array of 1 or 2 encoded segment proofs");
  answer a;
  for (uint32_t i = 0; i < o.via.array.size; ++i) {
    const auto& f = o.via.array.ptr[i];
    if (f.type != msgpack::type::BIN)
      return bad("proof " + std::to_string(i) + " is not binary");
    auto p = proof::decode_segment_proof(std::string_view(f.via.bin.ptr, f.via.bin.size));
    if (!p)
      return p.err();
    if (i == 0)
      a.challenged = std::move(*p);
    else
      a.previous = std::move(*p);
  }
  if (a.previous && a.previous->index + 1 != a.challenged.index)
    return bad("the second proof must be of the segment before the challenged one");
  if (encode_answer(a) != bytes)
    return bad("not in canonical encoding");
  return a;
}

} // namespace mantle::reserved
