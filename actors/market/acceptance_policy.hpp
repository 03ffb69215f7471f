// Which storage orders this node takes (issue #6: the market actor's local acceptance policy).
// Pure logic, no CAF: the market actor feeds it what the chain says about a file and what the
// node has room and time for, and acts on the verdict.
//
// A file is a candidate while it is pending, or live with fewer than max_replicas replicas
// (including a live file that lost a replica). For a candidate the rules are checked in this
// order, the first that applies wins:
//   1. this node holds it already (a replica, in its committed set, or claimed and not yet
//      reported), is fetching it, abandoned it as a bad order, or lost its replica of it fewer
//      than lost_cooldown_slots slots ago;
//   2. the file has max_replicas replicas;
//   3. it is live and expires in fewer than min_slots_left slots (not worth the fetch);
//   4. its size exceeds the free capacity (what is left after the files held and being fetched);
//   5. max_fetches fetches are running already (it is looked at again in the next scan);
//   6. the take draw: take iff take_draw(node_key, cid, slot) < take_ppm.
// The draw is
//   u = BLAKE2b-256("mantle/market-take/v1" || u32be(len(node_key)) || node_key
//                   || u32be(len(cid)) || cid || u64be(slot))
// read as a big-endian u64 and mapped to [0, 10^6) by (u × 10^6) >> 64 (no modulo bias worth
// the name). It is reproducible, differs between nodes, so with take_ppm = p each node takes a
// given file in a given slot with probability p independently of the others; a file that stays
// under-replicated is drawn again in the next slot.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "actors/market/pricing.hpp" // ppm_one

namespace mantle::market {

struct policy_options {
  uint32_t take_ppm = ppm_one;     // chance per slot of taking an eligible file, in 10^-6
  uint64_t min_slots_left = 2;     // skip live files with fewer slots before expiry
  uint32_t max_fetches = 2;        // concurrent fetches
  uint64_t lost_cooldown_slots = 16; // a lost replica is not taken again by this node for this long
};

// What the chain says about one file.
struct file_view {
  std::string cid;            // binary CID
  uint64_t size = 0;
  bool live = false;          // false: pending
  uint64_t expiry_height = 0; // 0 while pending
  uint32_t replicas = 0;
  bool replica_here = false;  // this node is one of the replicas
  uint64_t pool = 0;          // the file's reward pool (shown to the order policy)
};

// This node at the time of the decision.
struct node_view {
  std::string node_key;       // 32-byte Ed25519 public key
  uint64_t height = 0;        // committed height the file records belong to
  uint64_t slot_blocks = 1;
  uint32_t max_replicas = 8;
  uint64_t free_bytes = 0;    // capacity left (see free_capacity)
  uint32_t fetching = 0;      // fetches running now
};

// The market's own memory of the file.
enum class local_state {
  none,
  held,      // in this node's set, or claimed (told to the prover) and not yet reported
  fetching,  // fetch, pin or verification running
  abandoned, // a bad order: never retried
  lost,      // this node's replica was lost; `lost_slot` says when
};

enum class verdict {
  take,
  held,
  fetching,
  abandoned,
  lost_recently,
  enough_replicas,
  near_expiry,
  no_space,
  busy,
  not_drawn,
  declined,  // the order policy (--market-policy) said no in this slot (market_book, not decide)
};
const char* to_string(verdict v);

struct decision {
  verdict what = verdict::not_drawn;
  std::string reason; // one line for a person ("file of 5 MiB does not fit in 1 MiB free")
  bool take() const { return what == verdict::take; }
};

// Slots left before a live file expires: ceil((expiry − height) / slot_blocks), 0 once expired.
uint64_t slots_left(uint64_t expiry_height, uint64_t height, uint64_t slot_blocks);

// The draw in [0, 10^6) described above. Slots are market::slot_of (market_rules.hpp).
uint32_t take_draw(std::string_view node_key, std::string_view cid, uint64_t slot);

decision decide(const file_view& f, const node_view& n, local_state local,
                std::optional<uint64_t> lost_slot, const policy_options& o);

// Capacity left for new files. With a configured capacity: capacity − bytes held − bytes being
// fetched. Without one (0 = automatic): the free disk space of the repo minus `margin`, minus
// the sizes of running fetches (held files already take their disk space; a fetch's bytes
// partly do, so this errs on the safe side).
uint64_t free_capacity(uint64_t configured, uint64_t disk_free, uint64_t margin, uint64_t held_bytes,
                       uint64_t fetching_bytes);

} // namespace mantle::market
