// The market actor's memory (issue #6), pure logic with no CAF: the files this node took (held),
// the orders it is fetching, the bad orders it abandoned (bounded, never retried) and the files
// whose replica it lost (not taken again for a while). A complete scan of the chain's file
// records and of this node's committed set is reconciled against it (what to drop) and then
// planned through the acceptance policy (what to take).
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/market/acceptance_policy.hpp"

namespace mantle::market {

// One complete look at the chain: every file record and this node's set, as of `height`.
struct chain_snapshot {
  uint64_t height = 0;
  uint64_t slot_blocks = 1;
  uint32_t max_replicas = 8;
  std::map<std::string, file_view> files;       // by binary CID
  std::map<std::string, std::string> roots;     // proof root of each file, by binary CID
  std::map<std::string, uint64_t> node_set;     // this node's committed set: CID -> size
};

enum class job_phase { asking, fetching, pinning, verifying }; // asking: the order policy
const char* to_string(job_phase p);

struct fetch_job {
  std::string cid;
  uint64_t size = 0;        // declared in the order
  std::string proof_root;   // declared in the order
  job_phase phase = job_phase::fetching;
  uint64_t started_ms = 0;
  uint64_t height = 0;      // chain height when it was taken
  uint64_t blocks = 0;      // blocks fetched so far
  uint64_t blocks_known = 0; // blocks of the DAG discovered so far (grows during the fetch)
};

struct held_file {
  std::string cid;
  uint64_t size = 0;
  bool reported = false;    // seen in this node's committed set
  bool told_prover = false; // the prover accepted it (prover_add_atom)
  uint64_t since_height = 0;
};

struct abandoned_order {
  std::string cid;
  uint64_t size = 0;        // the order abandoned: a later order of the same CID with another
  std::string proof_root;   // size or root (after the file closed) is looked at afresh
  std::string reason;
  uint64_t height = 0;
};

// An order the policy (--market-policy) declined: not asked again in the same slot.
struct declined_order {
  std::string cid;
  std::string reason;
  uint64_t slot = 0;
  uint64_t height = 0;
};

// A file this node stops holding: tell the prover, unpin it if the market pinned it.
struct drop_action {
  std::string cid;
  bool lost = false;  // the chain removed this node's replica (else the file closed)
  std::string reason;
};

class market_book {
public:
  explicit market_book(policy_options o, size_t abandoned_limit = 1024);

  const policy_options& options() const { return opts_; }

  // Brings held files in line with the chain: a held file whose record is gone was closed; a
  // reported one that left the node's set was lost (remembered for the cooldown); a claimed one
  // that appears in the set becomes reported; a file of the set the book did not know (e.g.
  // after a restart) becomes held. Returns what to drop, in CID order.
  std::vector<drop_action> reconcile(const chain_snapshot& s);

  struct plan {
    std::vector<fetch_job> take;             // started as jobs already, in CID order
    std::map<verdict, uint64_t> counts;      // every candidate's verdict
  };
  // Runs the policy over every file of the snapshot (after reconcile) and starts a job for each
  // take. `configured_capacity` 0 means automatic (free disk space minus `margin`).
  plan plan_takes(const chain_snapshot& s, const std::string& node_key, uint64_t configured_capacity,
                  uint64_t disk_free, uint64_t margin, uint64_t now_ms);

  // Job progress and outcome.
  fetch_job* job(const std::string& cid);
  void set_phase(const std::string& cid, job_phase p, uint64_t blocks = 0);
  void set_progress(const std::string& cid, uint64_t blocks, uint64_t blocks_known);
  // Verified and pinned: held (claimed until the next report lists it).
  void verified(const std::string& cid, uint64_t size, uint64_t height);
  // A bad order (the job's size and root): never retried while it is remembered (the oldest are
  // forgotten past the limit).
  void abandon(const std::string& cid, std::string reason, uint64_t height);
  void told_prover(const std::string& cid);
  // Held files neither reported nor accepted by the prover yet (to tell it again).
  std::vector<std::string> unclaimed() const;
  // A failure that is not the order's fault (block store down): retried in a later scan.
  void release(const std::string& cid);
  // The order policy said no: the job ends, and plan_takes gives the file the verdict
  // `declined` for the rest of `slot` (the policy is asked again in the next slot).
  void decline(const std::string& cid, std::string reason, uint64_t slot, uint64_t height);
  const std::map<std::string, declined_order>& declined() const { return declined_; }

  // `size` and `root` are the file record's (an abandoned order matches only the same ones).
  local_state state_of(const std::string& cid, uint64_t size, const std::string& root) const;
  std::optional<uint64_t> lost_slot(const std::string& cid) const;
  uint64_t held_bytes() const;
  uint64_t fetching_bytes() const;

  const std::map<std::string, held_file>& held() const { return held_; }
  const std::map<std::string, fetch_job>& jobs() const { return jobs_; }
  const std::deque<abandoned_order>& abandoned() const { return abandoned_; }
  const std::map<std::string, uint64_t>& lost() const { return lost_; }

private:
  policy_options opts_;
  size_t abandoned_limit_;
  std::map<std::string, held_file> held_;
  std::map<std::string, fetch_job> jobs_;
  std::deque<abandoned_order> abandoned_;        // oldest first
  std::map<std::string, size_t> abandoned_index_; // order key -> how many entries of it are queued
  std::map<std::string, uint64_t> lost_;          // cid -> slot in which the replica was lost
  std::map<std::string, declined_order> declined_; // by cid; entries of past slots are pruned
};

} // namespace mantle::market
