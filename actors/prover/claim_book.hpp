// The prover's claims the chain has not seen yet: files the market asked it to add to the next
// work report and files it asked to drop. Kept in one small file (msgpack, replaced atomically on
// every change) so a restart does not lose a claim between the market's request and the report
// that puts it on chain. Once the chain's set shows the change, reconcile() forgets it: the
// chain is the record of what the node holds. Pure C++, no CAF.
//
// File: msgpack [1, [[cid: bin, size: u64, since_slot: u64]...], [cid: bin...]]
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "actors/prover/report_builder.hpp"
#include "storage/result.hpp"

namespace mantle::prover {

class claim_book {
public:
  struct add_entry {
    uint64_t size = 0;
    uint64_t since_slot = 0; // slot in which the market asked (for giving up on a missing order)
    bool operator==(const add_entry& o) const { return size == o.size && since_slot == o.since_slot; }
    bool operator!=(const add_entry& o) const { return !(*this == o); }
  };

  // Reads `path` (absent: empty). A damaged file is errc::corrupt; the caller decides.
  static result<claim_book> open(std::string path);
  static std::string encode(const std::map<std::string, add_entry>& adds, const std::set<std::string>& drops);

  // Each change is written before it returns; on a write error nothing changes in memory.
  status add(const std::string& cid, uint64_t size, uint64_t slot);
  status drop(const std::string& cid);
  status forget_add(const std::string& cid);
  // Drops the adds the chain's set now holds and the drops it no longer holds; an add that
  // waited for its file record since before `give_up_before` is dropped too (the order never
  // came). Returns the cids forgotten because of that.
  result<std::vector<std::string>> reconcile(const std::vector<std::pair<std::string, uint64_t>>& chain_set,
                                             uint64_t give_up_before, const std::set<std::string>& have_record);

  local_claims claims() const;
  const std::map<std::string, add_entry>& adds() const { return adds_; }
  const std::set<std::string>& drops() const { return drops_; }
  const std::string& path() const { return path_; }

private:
  explicit claim_book(std::string path) : path_(std::move(path)) {}
  status save(const std::map<std::string, add_entry>& adds, const std::set<std::string>& drops);

  std::string path_;
  std::map<std::string, add_entry> adds_;
  std::set<std::string> drops_;
};

} // namespace mantle::prover
