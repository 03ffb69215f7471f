// The body of a node's work report (tx type 18, MARKET-CONTRACT.md) from the chain's view of the
// node and what the node holds locally. Pure C++, no CAF: the prover actor reads the chain, asks
// the block store which files are pinned and hands both here.
//
// Rules the chain enforces and this builder follows:
// - added cids have a file record, are not in the node's set; deleted cids are in it; at most
//   max_report_files entries together, no duplicates;
// - files_bytes = the record's files_bytes + Σ added sizes (from the file records) − Σ deleted
//   sizes (the set's values), files_root = market::files_root of the new set.
// Local policy:
// - a file in the set that is not pinned here any more is deleted first (the node must never
//   claim what it cannot prove), then the files the market dropped; adds fill the rest;
// - an add is claimed only while it is pinned and its file record's size equals the claimed
//   size; otherwise it is rejected with a reason (the actor forgets it); an add whose record is
//   not on chain yet waits.
// Entries of each kind go in cid byte order, so the same inputs give the same report.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/result.hpp"

namespace mantle::prover {

// The work report's arguments, in the order of the tx (MARKET-CONTRACT.md, type 18).
struct report_body {
  uint64_t slot = 0;
  std::string slot_hash;     // 32 bytes
  uint64_t reserved_bytes = 0;
  uint64_t files_bytes = 0;
  std::string reserved_root; // 32 bytes
  std::string files_root;    // 32 bytes
  std::vector<std::string> added;   // binary cids
  std::vector<std::string> deleted; // binary cids
  bool operator==(const report_body& o) const {
    return slot == o.slot && slot_hash == o.slot_hash && reserved_bytes == o.reserved_bytes &&
           files_bytes == o.files_bytes && reserved_root == o.reserved_root && files_root == o.files_root &&
           added == o.added && deleted == o.deleted;
  }
};

// What the chain holds for this node, from one consistent read.
struct chain_view {
  uint64_t slot = 0;          // 'L'
  std::string slot_hash;      // 'L', 32 bytes
  uint64_t files_bytes = 0;   // 'R' (0 when the node has no record yet)
  std::vector<std::pair<std::string, uint64_t>> files; // 'H': (cid, size) in cid order
  // Sizes from the file records ('F') of the pending adds that have one.
  std::map<std::string, uint64_t> record_sizes;
};

// The node's own claims that the chain has not seen yet.
struct local_claims {
  std::map<std::string, uint64_t> adds; // cid -> size the market verified
  std::set<std::string> drops;
};

struct reservation {
  uint64_t bytes = 0;
  std::string root; // 32 bytes
};

struct report_plan {
  report_body body;
  std::vector<std::pair<std::string, std::string>> rejected; // (cid, reason): adds to forget
  size_t waiting = 0; // adds left for a later report (no file record yet, or over the limit)
  std::vector<std::pair<std::string, uint64_t>> new_set; // the set after this report, cid order
};

using pinned_fn = std::function<bool(std::string_view cid)>;

// Fails only when the view is inconsistent (files_bytes below the sizes of the files deleted,
// or a sum overflows u64), which a correct chain never produces.
result<report_plan> build_report(const chain_view& chain, const local_claims& claims, const pinned_fn& pinned,
                                 const reservation& reserved, uint32_t max_report_files);

} // namespace mantle::prover
