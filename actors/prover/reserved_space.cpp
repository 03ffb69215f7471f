#include "actors/prover/reserved_space.hpp"

#include <botan/hash.h>

#include <cstring>
#include <memory>

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
                  std::string_view segment) {
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
  }
  for (uint64_t j = 1; j < labels_per_segment; ++j) {
    label l = label_with(h, node_key, beacon, first + j, p + (j - 1) * label_size);
    if (std::memcmp(l.data(), p + j * label_size, label_size) != 0)
      return false;
  }
  return true;
}

} // namespace mantle::reserved
