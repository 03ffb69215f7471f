// The proof tree (proof_tree.hpp) over a file held in a block store: the bytes are the UnixFS
// content (what `cat` returns; a raw block's bytes for a raw CID), the size is the file's real
// size. Used at order time (the root that goes into the order), by a storing node after it
// fetched a file (the root must match the order's) and by the prover answering challenges.
// Pure C++ over storage/block_io.hpp, no CAF.
#pragma once
#include <cstdint>

#include "actors/prover/proof_tree.hpp"
#include "storage/block_io.hpp"
#include "storage/cid.hpp"
#include "storage/result.hpp"

namespace mantle::proof {

struct file_root {
  uint64_t size = 0;
  digest root{};
};

// One sequential pass over the file. Errors: not_found (a block is missing), invalid_input (a
// directory or symlink: only files are ordered), corrupt (malformed DAG).
result<file_root> compute_file_root(block_source& src, const cid& c);

// Reads [offset, offset + n) of the stored file (make_proofs reads 1 MiB pieces in order).
// `src` must outlive the reader.
segment_reader file_segment_reader(block_source& src, const cid& c);

} // namespace mantle::proof
