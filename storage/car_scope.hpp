// CAR responses of the trustless gateway (IPFS Trustless Gateway spec): `GET /ipfs/{cid}/{path}`
// with format=car returns the blocks that prove the path from {cid}, then the blocks of the
// path's target chosen by `dag-scope` (block | entity | all) and, for files, `entity-bytes`.
// Blocks go out depth-first (order=dfs), each once unless dups=y, never identity blocks, and
// each is checked against its CID first. Files are streamed block by block, never held whole.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include "storage/block_io.hpp"
#include "storage/car.hpp"
#include "storage/cid.hpp"
#include "storage/result.hpp"

namespace mantle::car {

enum class dag_scope { block, entity, all };
const char* scope_name(dag_scope s);

// entity-bytes=from:to as written: inclusive byte offsets, negative ones count from the end of
// the entity (-1 is its last byte); `to` nullopt is "*", the end.
struct entity_bytes {
  int64_t from = 0;
  std::optional<int64_t> to;
};

struct car_params {
  dag_scope scope = dag_scope::all;
  std::optional<entity_bytes> range; // only with scope entity
  bool dups = false;                 // dups=y: a block is sent every time the walk meets it
};

// Parameter values as they arrived; nullopt when absent. Query parameters win over the Accept
// header's parameters of application/vnd.ipld.car (version, order, dups).
struct car_query {
  std::optional<std::string> dag_scope;    // dag-scope=
  std::optional<std::string> entity_bytes; // entity-bytes=
  std::optional<std::string> car_version;  // car-version=
  std::optional<std::string> car_order;    // car-order=
  std::optional<std::string> car_dups;     // car-dups=
};

// errc::invalid_input naming the parameter for anything malformed or contradictory (the
// gateway answers 400); errc::unsupported for a valid variant Mantle does not produce
// (version=2, an order other than dfs/unk): 400 or 406. `accept` may be empty.
result<car_params> parse_car_params(const car_query& q, std::string_view accept);
result<dag_scope> parse_dag_scope(std::string_view text);
result<entity_bytes> parse_entity_bytes(std::string_view text);

// The Content-Type of a response made with `p`, e.g. "application/vnd.ipld.car; version=1;
// order=dfs; dups=n".
std::string car_content_type(const car_params& p);

// [first, last] in an entity of `size` bytes; nullopt when the range holds no byte of it
// (empty entity, or `to` ends before `from` starts). errc::invalid_input when it starts past
// the end: the spec's 400 for a range entirely outside the entity.
result<std::optional<std::pair<uint64_t, uint64_t>>> resolve_entity_bytes(const entity_bytes& r,
                                                                          uint64_t size);

struct scoped_export {
  cid terminal;          // what the path resolved to
  uint64_t blocks = 0;   // sections written
  uint64_t bytes = 0;    // block bytes written (CIDs and framing excluded)
  // The entity-bytes range as applied, inclusive; nullopt when none was (no entity-bytes, the
  // target is not a file, or the range held no byte and the answer was its block alone).
  std::optional<std::pair<uint64_t, uint64_t>> range;
};

// Writes the CAR (header roots = [root]): the blocks read to resolve `path` ("a/b", may be
// empty) below `root` (directories and the HAMT shards passed through), then the target:
//   block:  its block only;
//   entity: a file's whole DAG, or with a range only the blocks overlapping it and the nodes
//           above them; a directory's block, or all shard blocks of a HAMT directory (not the
//           entries); anything else (raw, symlink, non-UnixFS) its block;
//   all:    the whole DAG below the target.
// The path, the target's block and the range are checked before the first byte goes out, so
// a missing root or path (errc::not_found) or a bad range (errc::invalid_input) can still be a
// 404/400. A block missing later is errc::not_found after a partial CAR: end the stream.
result<scoped_export> export_car_scoped(block_source& src, const cid& root, std::string_view path,
                                        const car_params& params, const write_fn& out);

} // namespace mantle::car
