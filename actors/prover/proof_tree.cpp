#include "actors/prover/proof_tree.hpp"

#include <botan/hash.h>
#include <msgpack.hpp>

#include <algorithm>
#include <cstring>

#include "storage/msgpack_read.hpp"
#include "storage/msgpack_write.hpp"

namespace mantle::proof {

namespace {

constexpr uint8_t leaf_tag = 0x00;
constexpr uint8_t node_tag = 0x01;

std::unique_ptr<Botan::HashFunction> new_hash() { return Botan::HashFunction::create_or_throw("BLAKE2b(256)"); }

void put_be64(uint8_t* p, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

digest leaf_with(Botan::HashFunction& h, uint64_t file_size, uint64_t index, std::string_view segment) {
  uint8_t prefix[17];
  prefix[0] = leaf_tag;
  put_be64(prefix + 1, file_size);
  put_be64(prefix + 9, index);
  h.update(prefix, sizeof prefix);
  h.update(reinterpret_cast<const uint8_t*>(segment.data()), segment.size());
  digest d;
  h.final(d.data());
  return d;
}

digest node_with(Botan::HashFunction& h, const digest& left, const digest& right) {
  h.update(node_tag);
  h.update(left.data(), left.size());
  h.update(right.data(), right.size());
  digest d;
  h.final(d.data());
  return d;
}

Botan::HashFunction& local_hash() {
  thread_local auto h = new_hash();
  return *h;
}

error bad(const std::string& msg) { return make_error(errc::invalid_input, "segment proof: " + msg); }

} // namespace

uint64_t leaf_count(uint64_t file_size) {
  return file_size == 0 ? 1 : file_size / segment_size + (file_size % segment_size != 0);
}

uint64_t segment_length(uint64_t file_size, uint64_t index) {
  uint64_t start = index * segment_size;
  if (index >= leaf_count(file_size) || start >= file_size)
    return 0;
  return std::min<uint64_t>(segment_size, file_size - start);
}

size_t path_length(uint64_t file_size, uint64_t index) {
  size_t len = 0;
  for (uint64_t count = leaf_count(file_size), pos = index; count > 1; count = (count + 1) / 2, pos /= 2)
    if (!(pos % 2 == 0 && pos == count - 1))
      ++len;
  return len;
}

digest leaf_hash(uint64_t file_size, uint64_t index, std::string_view segment) {
  return leaf_with(local_hash(), file_size, index, segment);
}

digest node_hash(const digest& left, const digest& right) { return node_with(local_hash(), left, right); }

tree_builder::tree_builder(uint64_t file_size, std::vector<uint64_t> prove)
  : file_size_(file_size), prove_(std::move(prove)), proofs_(prove_.size()), hash_(new_hash()) {
  buf_.reserve(segment_size);
  for (size_t i = 0; i < prove_.size(); ++i) {
    proofs_[i].index = prove_[i];
    sorted_.emplace_back(prove_[i], i);
  }
  std::sort(sorted_.begin(), sorted_.end());
}

tree_builder::~tree_builder() = default;
tree_builder::tree_builder(tree_builder&&) noexcept = default;
tree_builder& tree_builder::operator=(tree_builder&&) noexcept = default;

void tree_builder::merge(const entry& left, const entry& right, entry& out) {
  // A proven leaf inside one side takes the other side's hash as its next sibling. Merges along a
  // leaf's ancestor chain happen in increasing height, so paths come out leaf level first.
  // The targets are sorted, so only those inside this subtree are visited.
  uint64_t mid = right.first_leaf;
  uint64_t end = right.height >= 63 ? UINT64_MAX : right.first_leaf + (uint64_t{1} << right.height);
  auto it = std::lower_bound(sorted_.begin(), sorted_.end(), std::make_pair(left.first_leaf, size_t{0}));
  for (; it != sorted_.end() && it->first < end; ++it)
    proofs_[it->second].path.push_back(it->first < mid ? right.hash : left.hash);
  out.hash = node_with(*hash_, left.hash, right.hash);
  out.first_leaf = left.first_leaf;
  out.height = left.height + 1;
}

void tree_builder::push_leaf(std::string_view segment) {
  uint64_t index = next_leaf_++;
  for (auto it = std::lower_bound(sorted_.begin(), sorted_.end(), std::make_pair(index, size_t{0}));
       it != sorted_.end() && it->first == index; ++it)
    proofs_[it->second].segment.assign(segment.data(), segment.size());
  stack_.push_back(entry{leaf_with(*hash_, file_size_, index, segment), index, 0});
  // Keep the stack a list of perfect subtrees of strictly decreasing height.
  while (stack_.size() >= 2 && stack_[stack_.size() - 2].height == stack_.back().height) {
    entry right = stack_.back();
    stack_.pop_back();
    merge(stack_.back(), right, stack_.back());
  }
}

status tree_builder::update(std::string_view bytes) {
  if (failed_ || finished_)
    return make_error(errc::internal, "proof tree: update after failure or finish");
  if (bytes.size() > file_size_ - fed_) {
    failed_ = true;
    return make_error(errc::invalid_input, "proof tree: more bytes than the declared file size " +
                                             std::to_string(file_size_));
  }
  fed_ += bytes.size();
  while (!bytes.empty()) {
    if (buf_.empty() && bytes.size() >= segment_size) {
      // Whole segments are hashed in place, without a copy through the buffer.
      push_leaf(bytes.substr(0, segment_size));
      bytes.remove_prefix(segment_size);
      continue;
    }
    size_t take = std::min<size_t>(segment_size - buf_.size(), bytes.size());
    buf_.append(bytes.data(), take);
    bytes.remove_prefix(take);
    if (buf_.size() == segment_size) {
      push_leaf(buf_);
      buf_.clear();
    }
  }
  return {};
}

result<tree_summary> tree_builder::finish() {
  if (failed_ || finished_)
    return make_error(errc::internal, "proof tree: finish after failure or finish");
  finished_ = true;
  if (fed_ != file_size_)
    return make_error(errc::invalid_input, "proof tree: got " + std::to_string(fed_) +
                                             " bytes, the declared file size is " + std::to_string(file_size_));
  uint64_t n = leaf_count(file_size_);
  for (uint64_t t : prove_)
    if (t >= n)
      return make_error(errc::invalid_input, "proof tree: segment " + std::to_string(t) + " of a file of " +
                                               std::to_string(n) + " segments");
  if (!buf_.empty() || file_size_ == 0)
    push_leaf(buf_);
  // Fold the remaining perfect subtrees from the right: this is exactly the tree in which each
  // level's odd last node is carried up unchanged.
  entry acc = stack_.back();
  for (size_t i = stack_.size() - 1; i-- > 0;) {
    entry out;
    merge(stack_[i], acc, out);
    // The carried subtree is not perfect; only its first leaf and the bound matter to merge().
    acc = out;
  }
  stack_.clear();
  return tree_summary{acc.hash, n};
}

std::vector<segment_proof> tree_builder::take_proofs() { return std::move(proofs_); }

tree_summary compute_root(std::string_view file) {
  tree_builder b(file.size());
  b.update(file);
  return *b.finish();
}

result<std::vector<segment_proof>> make_proofs(const digest& expected_root, uint64_t file_size,
                                               const std::vector<uint64_t>& indices,
                                               const segment_reader& read) {
  tree_builder b(file_size, indices);
  std::string chunk;
  constexpr uint64_t piece = 1 << 20;
  for (uint64_t off = 0; off < file_size; off += piece) {
    size_t n = static_cast<size_t>(std::min(piece, file_size - off));
    chunk.clear();
    auto st = read(off, n, chunk);
    if (!st)
      return st.err();
    if (chunk.size() != n)
      return make_error(errc::io_error, "proof tree: short read at offset " + std::to_string(off));
    auto u = b.update(chunk);
    if (!u)
      return u.err();
  }
  auto sum = b.finish();
  if (!sum)
    return sum.err();
  if (sum->root != expected_root)
    return make_error(errc::corrupt, "proof tree: the stored file no longer has the ordered proof root");
  return b.take_proofs();
}

const char* to_string(verify_status s) {
  switch (s) {
    case verify_status::ok: return "ok";
    case verify_status::index_out_of_range: return "segment index out of range";
    case verify_status::wrong_segment_length: return "segment has the wrong length";
    case verify_status::wrong_path_length: return "sibling path has the wrong length";
    case verify_status::root_mismatch: return "proof does not lead to the file's root";
  }
  return "unknown";
}

verify_status verify(const digest& root, uint64_t file_size, uint64_t index, std::string_view segment,
                     const std::vector<digest>& path) {
  uint64_t n = leaf_count(file_size);
  if (index >= n)
    return verify_status::index_out_of_range;
  if (segment.size() != segment_length(file_size, index))
    return verify_status::wrong_segment_length;
  if (path.size() != path_length(file_size, index))
    return verify_status::wrong_path_length;
  auto& h = local_hash();
  digest cur = leaf_with(h, file_size, index, segment);
  size_t next = 0;
  for (uint64_t count = n, pos = index; count > 1; count = (count + 1) / 2, pos /= 2) {
    if (pos % 2 == 0 && pos == count - 1)
      continue;  // carried up unchanged
    const digest& sib = path[next++];
    cur = pos % 2 == 0 ? node_with(h, cur, sib) : node_with(h, sib, cur);
  }
  return cur == root ? verify_status::ok : verify_status::root_mismatch;
}

std::string encode(const segment_proof& p) {
  msgpack::sbuffer buf;
  msgpack_packer pk(buf);
  pk.pack_array(3);
  pk.pack_uint64(p.index);
  pack_bin(pk, p.segment);
  pk.pack_array(static_cast<uint32_t>(p.path.size()));
  for (const auto& d : p.path)
    pack_bin(pk, std::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
  return std::string(buf.data(), buf.size());
}

result<segment_proof> decode_segment_proof(std::string_view bytes) {
  if (bytes.size() > max_encoded_proof_size)
    return bad("larger than " + std::to_string(max_encoded_proof_size) + " bytes");
  // array, map, str, bin, ext, depth
  msgpack::unpack_limit ul(max_path_length, 0, 0, segment_size, 0, 2);
  auto oh = unpack_whole(bytes, ul, "segment proof");
  if (!oh)
    return make_error(errc::invalid_input, oh.err().message);
  const auto& o = oh->get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 3)
    return bad("not an array of 3 fields [index, segment, path]");
  const auto* f = o.via.array.ptr;
  segment_proof p;
  if (f[0].type != msgpack::type::POSITIVE_INTEGER)
    return bad("index is not an unsigned integer");
  p.index = f[0].via.u64;
  if (f[1].type != msgpack::type::BIN || f[1].via.bin.size > segment_size)
    return bad("segment must be binary of at most " + std::to_string(segment_size) + " bytes");
  p.segment.assign(f[1].via.bin.ptr, f[1].via.bin.size);
  if (f[2].type != msgpack::type::ARRAY || f[2].via.array.size > max_path_length)
    return bad("path must be an array of at most " + std::to_string(max_path_length) + " hashes");
  for (uint32_t i = 0; i < f[2].via.array.size; ++i) {
    const auto& s = f[2].via.array.ptr[i];
    if (s.type != msgpack::type::BIN || s.via.bin.size != digest_size)
      return bad("sibling " + std::to_string(i) + " is not a 32-byte hash");
    digest d;
    std::memcpy(d.data(), s.via.bin.ptr, digest_size);
    p.path.push_back(d);
  }
  if (encode(p) != bytes)
    return bad("not in canonical encoding (integers and lengths must use their shortest form)");
  return p;
}

} // namespace mantle::proof
