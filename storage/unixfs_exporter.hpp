// Reads UnixFS DAGs back: stat, path resolution through directories and HAMT shards, ranged
// cat that fetches only the blocks it needs, directory listings, and tar export like
// `ipfs get`. Blocks are untrusted input: every malformed or inconsistent node is an error,
// recursion is bounded by max_depth.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "storage/block_io.hpp"
#include "storage/cid.hpp"
#include "storage/result.hpp"

namespace mantle::unixfs {

enum class node_kind { file, directory, hamt_directory, symlink, raw };
const char* kind_name(node_kind k);

struct node_info {
  cid id;
  node_kind kind = node_kind::file;
  uint64_t size = 0; // file bytes; for dirs the cumulative size (block + link Tsizes); symlink: target length
};

struct dir_entry {
  std::string name;
  cid id;
  uint64_t size = 0; // tsize from the link
  node_kind kind = node_kind::file; // from the child's block when present, else raw codec => file
};

using write_fn = std::function<status(std::string_view)>;

// Deepest DAG (file tree levels, directory nesting, HAMT levels) the exporter follows.
constexpr unsigned max_depth = 64;

result<node_info> stat(block_source& src, const cid& c);
// "a/b/c" below `root` through directories and HAMT shards; empty components are skipped.
result<cid> resolve(block_source& src, const cid& root, std::string_view path);
// resolve(), also appending to `trail` (when not null) every block it read on the way, in
// order: each directory passed through and the HAMT shards inside it, not the target itself.
// These are the blocks a trustless client needs to verify the path.
result<cid> resolve_traced(block_source& src, const cid& root, std::string_view path,
                           std::vector<cid>* trail);
// Bytes [offset, offset+length) of a file; offset == size gives nothing, offset > size fails.
status cat(block_source& src, const cid& c, uint64_t offset, std::optional<uint64_t> length,
           const write_fn& out);
// Entries of a basic or HAMT directory (flattened), sorted by name.
result<std::vector<dir_entry>> ls(block_source& src, const cid& dir);
// POSIX ustar stream (PAX headers for long names and huge files) of a file, symlink or
// directory tree named `name`, ended with the two zero blocks.
status write_tar(block_source& src, const cid& c, const std::string& name, const write_fn& out);

} // namespace mantle::unixfs
