// UnixFS importer, byte-identical with Kubo's (boxo) balanced layout and directory builder:
// fixed-size chunks, dag-pb or raw leaves, `width` links per internal node, directories with
// links sorted by name that turn into HAMT shards past a threshold (IPIP-499 profiles).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include "storage/block_io.hpp"
#include "storage/cid.hpp"
#include "storage/result.hpp"

namespace mantle::unixfs {

enum class hamt_rule {
  link_bytes, // unixfs-v0-2015: sum(len(name)+len(cid bytes)) > threshold
  block_size, // unixfs-v1-2025: serialized basic dir block > threshold
};

struct import_options {
  uint64_t cid_version = 0;
  bool raw_leaves = false;    // the RPC layer sets true when cid_version==1 unless told otherwise (Kubo)
  size_t chunk_size = 262144; // chunker=size-N
  size_t width = 174;         // max links per node, balanced layout
  hamt_rule hamt = hamt_rule::link_bytes;
  size_t hamt_threshold = 262144;
  unsigned hash_threads = 2;  // leaf hashing spread over cores

  // IPIP-499 profiles by name: "unixfs-v0-2015" (Kubo's defaults) and "unixfs-v1-2025".
  static result<import_options> profile(std::string_view name);
};

struct imported {
  cid root;
  uint64_t size = 0;  // file bytes (for directories: all file bytes below)
  uint64_t tsize = 0; // cumulative serialized DAG size, Kubo's add "Size"
};

// Streaming file import. Leaves are hashed on `hash_threads` worker threads while the caller
// feeds more bytes; at most a few MiB are in flight. Every block is put before any parent
// that links to it. Not thread-safe: one feeding thread per importer.
class file_importer {
public:
  file_importer(block_sink& sink, const import_options& opt);
  ~file_importer();
  file_importer(const file_importer&) = delete;
  file_importer& operator=(const file_importer&) = delete;

  status write(std::string_view bytes);
  result<imported> finish(); // empty input -> Kubo's empty file CID
  uint64_t bytes_written() const;

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

// Imports a whole in-memory buffer (small files, tests).
result<imported> import_bytes(block_sink& sink, const import_options& opt, std::string_view bytes);

// Builds a directory tree from files already imported.
class directory_builder {
public:
  directory_builder(block_sink& sink, const import_options& opt);
  ~directory_builder();
  directory_builder(const directory_builder&) = delete;
  directory_builder& operator=(const directory_builder&) = delete;

  // "a/b/c.txt": creates parents; rejects "..", ".", absolute paths, empty components,
  // duplicates and a file where a directory is needed (or the reverse).
  status add_file(std::string_view path, const imported& f);
  status add_directory(std::string_view path); // empty dirs kept; existing dirs are fine
  // Writes all directory nodes (HAMT-sharded past the threshold) bottom-up and returns every
  // directory with its path ("" = root), children before parents, like Kubo's add output order.
  result<std::vector<std::pair<std::string, imported>>> finish();

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace mantle::unixfs
