#include "actors/prover/report_builder.hpp"

#include <algorithm>

#include "actors/market/market_rules.hpp"

namespace mantle::prover {

result<report_plan> build_report(const chain_view& chain, const local_claims& claims, const pinned_fn& pinned,
                                 const reservation& reserved, uint32_t max_report_files) {
  report_plan plan;
  report_body& b = plan.body;
  b.slot = chain.slot;
  b.slot_hash = chain.slot_hash;
  b.reserved_bytes = reserved.bytes;
  b.reserved_root = reserved.root;

  std::map<std::string, uint64_t> set(chain.files.begin(), chain.files.end());
  size_t room = max_report_files;

  // Deletions: files no longer pinned here come first, then the market's drops.
  std::vector<std::string> unpinned, dropped;
  for (const auto& [cid, size] : chain.files) {
    if (!pinned(cid))
      unpinned.push_back(cid);
    else if (claims.drops.count(cid))
      dropped.push_back(cid);
  }
  uint64_t removed_bytes = 0;
  for (auto* list : {&unpinned, &dropped})
    for (const auto& cid : *list) {
      if (room == 0)
        break;
      uint64_t size = set[cid];
      if (removed_bytes > UINT64_MAX - size)
        return make_error(errc::internal, "work report: deleted sizes overflow");
      removed_bytes += size;
      b.deleted.push_back(cid);
      set.erase(cid);
      --room;
    }
  if (removed_bytes > chain.files_bytes)
    return make_error(errc::corrupt, "work report: the chain's files_bytes " + std::to_string(chain.files_bytes) +
                                         " is below the sizes of the files in the node's set");
  std::sort(b.deleted.begin(), b.deleted.end());

  uint64_t added_bytes = 0;
  for (const auto& [cid, size] : claims.adds) {
    bool on_chain = std::binary_search(chain.files.begin(), chain.files.end(), std::make_pair(cid, uint64_t{0}),
                                       [](const auto& a, const auto& c) { return a.first < c.first; });
    if (on_chain || claims.drops.count(cid))
      continue; // already claimed, or dropped again before it was
    if (!pinned(cid)) {
      plan.rejected.emplace_back(cid, "not pinned on this node");
      continue;
    }
    auto rec = chain.record_sizes.find(cid);
    if (rec == chain.record_sizes.end()) {
      ++plan.waiting;
      continue;
    }
    if (rec->second != size) {
      plan.rejected.emplace_back(cid, "the order's size is " + std::to_string(rec->second) + " bytes, the file has " +
                                          std::to_string(size));
      continue;
    }
    if (room == 0) {
      ++plan.waiting;
      continue;
    }
    if (added_bytes > UINT64_MAX - size)
      return make_error(errc::internal, "work report: added sizes overflow");
    added_bytes += size;
    b.added.push_back(cid); // claims.adds is a map: cid order
    set.emplace(cid, size);
    --room;
  }
  uint64_t base = chain.files_bytes - removed_bytes;
  if (base > UINT64_MAX - added_bytes)
    return make_error(errc::internal, "work report: files_bytes overflows");
  b.files_bytes = base + added_bytes;
  plan.new_set.assign(set.begin(), set.end());
  b.files_root = market::files_root(plan.new_set);
  return plan;
}

} // namespace mantle::prover
