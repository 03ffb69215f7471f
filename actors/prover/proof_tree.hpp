// The file proof tree of issue #6: a binary Merkle tree (BLAKE2b-256) over fixed segments of a
// file's bytes. Its root goes into the storage order at add time; a storing node recomputes it
// after fetching; challenged nodes answer with segments and sibling paths that validators check
// with verify(). Pure C++, no CAF.
//
// Tree:
//   leaf i = BLAKE2b-256(0x00 || u64 BE file_size || u64 BE i || segment i)
//   node   = BLAKE2b-256(0x01 || left || right)
// The tag bytes keep a leaf from ever being read as a node (second-preimage by reinterpretation);
// the file size in every leaf keeps two files of different lengths from sharing a root even when
// one is a prefix of the other, and the index pins each segment to its position.
// Levels are built pairwise left to right; an odd node at the end of a level is carried up to the
// next level unchanged (no duplication, so no two leaf counts give the same shape). Such a level
// contributes no sibling to that node's path. The last segment is the file's tail (1..segment_size
// bytes). The empty file has exactly one leaf, the empty segment 0, so its root is
// BLAKE2b-256(0x00 || 0^8 || 0^8) and a proof for it is (index 0, empty segment, empty path).
//
// Segment size 1 KiB. A proof carries one segment plus ceil(log2 n) siblings of 32 bytes, and the
// chain carries c = 460 proofs per node per slot, so the segment dominates: for a 1 GiB file a
// proof is 1024 + 20×32 = 1664 bytes (4 KiB: 4672, 64 KiB: 65984), i.e. for 100 nodes per slot
// ~73 MiB of proofs at 1 KiB against ~2.9 GiB at 64 KiB. Below 1 KiB the path dominates and the
// proof barely shrinks (256 B: 960 bytes) while the per-leaf hashing overhead grows. The cost at
// 1 KiB is paid once per add/fetch: ~9+1 BLAKE2b blocks per 8 blocks of data (see
// tools/bench/bench_proof for the measured ratio against raw BLAKE2b), and a full tree of leaf
// hashes would be 32 MiB per GiB (3%), which is why it is not stored (see make_proofs).
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/result.hpp"

namespace Botan {
class HashFunction;
}

namespace mantle::proof {

constexpr uint64_t segment_size = 1024;
constexpr size_t digest_size = 32;
// ceil(log2(2^64 / segment_size)) bounds any path; decoders use it as the hard limit.
constexpr size_t max_path_length = 54;

using digest = std::array<uint8_t, digest_size>;

// Number of leaves: ceil(size / segment_size), and 1 for the empty file.
uint64_t leaf_count(uint64_t file_size);
// Byte length of segment `index` (the tail may be shorter; 0 for the empty file's only leaf).
uint64_t segment_length(uint64_t file_size, uint64_t index);
// Number of siblings in the path of leaf `index` (levels where it is carried up add none).
size_t path_length(uint64_t file_size, uint64_t index);

digest leaf_hash(uint64_t file_size, uint64_t index, std::string_view segment);
digest node_hash(const digest& left, const digest& right);

// A challenge answer for one segment: the verifier takes the root and the file size from the
// order on chain, never from the proof.
struct segment_proof {
  uint64_t index = 0;
  std::string segment;       // the segment's bytes
  std::vector<digest> path;  // siblings, leaf level first
  bool operator==(const segment_proof& o) const {
    return index == o.index && segment == o.segment && path == o.path;
  }
};

struct tree_summary {
  digest root{};
  uint64_t leaf_count = 0;
};

// Streaming root computation: feed the file's bytes in any chunking. Memory is one segment buffer
// plus one stack entry per level (O(log n)); with `prove` set, it also collects the sibling paths
// of those leaf indices during the same pass.
class tree_builder {
public:
  // `file_size` must be known up front: it is hashed into every leaf.
  explicit tree_builder(uint64_t file_size, std::vector<uint64_t> prove = {});
  ~tree_builder();
  tree_builder(tree_builder&&) noexcept;
  tree_builder& operator=(tree_builder&&) noexcept;

  // Fails (and poisons the builder) when the bytes run past file_size.
  status update(std::string_view bytes);
  // Fails when fewer than file_size bytes were fed or a proven index is out of range.
  result<tree_summary> finish();
  // After finish(): the proofs for the indices given at construction, in that order.
  std::vector<segment_proof> take_proofs();

private:
  struct entry {
    digest hash;
    uint64_t first_leaf;
    uint32_t height;  // a perfect subtree of 2^height leaves
  };
  void push_leaf(std::string_view segment);
  void merge(const entry& left, const entry& right, entry& out);

  uint64_t file_size_;
  uint64_t fed_ = 0;
  uint64_t next_leaf_ = 0;
  bool failed_ = false;
  bool finished_ = false;
  std::string buf_;
  std::vector<entry> stack_;
  std::vector<uint64_t> prove_;
  std::vector<std::pair<uint64_t, size_t>> sorted_;  // (leaf, position in prove_)
  std::vector<segment_proof> proofs_;
  std::unique_ptr<Botan::HashFunction> hash_;
};

// Root of a file held in memory (tests, small files).
tree_summary compute_root(std::string_view file);

// Reads `n` bytes at `offset` of the stored file into `out`; an error aborts the proof.
using segment_reader = std::function<status(uint64_t offset, size_t n, std::string& out)>;

// Proofs for several leaves of one file in one sequential pass over its bytes (read in 1 MiB
// pieces through `read`), checked against `expected_root` so a node never answers with a proof
// of data it no longer has intact. Leaf hashes are not stored (3% of the file at 1 KiB), so a
// challenge costs one read of the file; the challenged indices of a file in a slot share it.
result<std::vector<segment_proof>> make_proofs(const digest& expected_root, uint64_t file_size,
                                               const std::vector<uint64_t>& indices,
                                               const segment_reader& read);

enum class verify_status : uint8_t {
  ok = 0,
  index_out_of_range,
  wrong_segment_length,
  wrong_path_length,
  root_mismatch,
};
const char* to_string(verify_status s);

// Strict: the index must be a leaf of a file of `file_size` bytes, the segment exactly that
// leaf's length, the path exactly path_length() siblings, and the recomputed root equal.
verify_status verify(const digest& root, uint64_t file_size, uint64_t index, std::string_view segment,
                     const std::vector<digest>& path);
inline verify_status verify(const digest& root, uint64_t file_size, const segment_proof& p) {
  return verify(root, file_size, p.index, p.segment, p.path);
}

// Canonical msgpack: [index (uint), segment (bin ≤ segment_size), [sibling (bin 32)...]] with
// at most max_path_length siblings. decode rejects anything else, trailing bytes and non-shortest
// integer forms.
std::string encode(const segment_proof& p);
result<segment_proof> decode_segment_proof(std::string_view bytes);
// Upper bound on an encoded proof, for transaction size limits.
constexpr size_t max_encoded_proof_size = 1 + 9 + 5 + segment_size + 3 + max_path_length * (2 + digest_size);

} // namespace mantle::proof
