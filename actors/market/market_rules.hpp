// The storage market's chain rules (issue #6, /work/MARKET-CONTRACT.md): its state records and
// tables, the pure queries the market, the prover, RPC and tests read them with, and the rules
// the state transition runs for the market's transactions (place_order, add_prepaid,
// work_report, storage_proof) and at every slot boundary. Pure C++, no CAF, no clock.
//
// Tables (keys = table byte + raw bytes; records are msgpack arrays, fixed field order):
//   'F' cid              file_record    the order of a file (cid = cid::to_bytes())
//   'R' node_key         node_report    a node's last work report and its proof standing
//   'H' node_key cid     u64            the node's file set (value = file size), cid order
//   'Q' node_key         challenge_set  the node's challenges of the current slot
//   'L'                  slot_info      the current slot and its hash
//   'Y' u64be(era)       u64            staking-pot money scheduled for that era
//   'Z'                  u64            the market reserve
// Money in 'Y', 'Z' and the files' pool and prepaid fields is part of the era's issuance (the
// market moves funds, it never mints them).
//
// Time: slot(h) = (h − 1) / slot_blocks for h ≥ 1; the first block of slot s is
// s × slot_blocks + 1; the hash of slot s is the prev_hash of its first block (32 zero bytes
// for slot 0).
//
// Rules (the state transition calls these; see each function):
// - place_order: fee = market::compute_fee (base + byte fee + key fee + tips) on top of the tx
//   fee; the staking share is scheduled over the pot_eras eras after the current one ('Y'),
//   the pool share goes to the file's pool, the rest to the reserve. A new cid is pending; a
//   known cid with the same size and root is a re-order (pool topped up; a live file's expiry
//   extended by file_duration_blocks); a different size or root is refused.
// - add_prepaid moves balance into a file's prepaid (used to renew it at expiry).
// - work_report (sender = a registered node key): see apply_work_report.
// - storage_proof (sender = a registered node key): see apply_storage_proof.
// - Slot boundary (first block of slot s ≥ 1, before its txs): slot info, settlement of s−1
//   (storage power, replica failures and losses), pool payouts, expiry (renewal from prepaid or
//   close), challenges for s. See begin_block.
#pragma once
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/market/pricing.hpp"
#include "actors/validator/state_tables.hpp"
#include "actors/validator/state_transition.hpp"
#include "actors/validator/tx.hpp"
#include "config/genesis.hpp"
#include "storage/result.hpp"
#include "storage/state_db.hpp"

namespace mantle::market {

// "never" / "none" in slot fields.
constexpr uint64_t no_slot = std::numeric_limits<uint64_t>::max();

namespace table {
constexpr char file = 'F';
constexpr char node_report = 'R';
constexpr char node_file = 'H';
constexpr char challenges = 'Q';
constexpr char slot = 'L';
constexpr char pot_schedule = 'Y';
constexpr char reserve = 'Z';
} // namespace table

std::string file_key(std::string_view cid);
std::string node_report_key(std::string_view node_key);
std::string node_file_key(std::string_view node_key, std::string_view cid = {}); // empty cid: the node's prefix
std::string challenges_key(std::string_view node_key);
std::string slot_key();
std::string pot_schedule_key(uint64_t era);
std::string reserve_key();

enum class file_status : uint8_t { pending = 0, live = 1 };
const char* to_string(file_status s);

struct replica {
  std::string node_key;
  uint64_t since_slot = 0;              // slot of the work report that added it
  uint64_t last_proven_slot = no_slot;  // no_slot = never proven
  uint64_t failures = 0;                // consecutive failed slots
  bool operator==(const replica& o) const {
    return node_key == o.node_key && since_slot == o.since_slot && last_proven_slot == o.last_proven_slot &&
           failures == o.failures;
  }
};

struct file_record {
  uint64_t size = 0;
  std::string proof_root; // 32 bytes, proof::compute_root over the file bytes
  file_status status = file_status::pending;
  uint64_t created_height = 0;
  uint64_t expiry_height = 0; // 0 while pending
  uint64_t pool = 0;          // pays the proving replicas slot by slot
  uint64_t prepaid = 0;       // renews the file at expiry
  uint64_t orders = 0;        // orders and renewals so far
  std::vector<replica> replicas; // by since_slot, then node key (earliest first)
  bool operator==(const file_record& o) const {
    return size == o.size && proof_root == o.proof_root && status == o.status &&
           created_height == o.created_height && expiry_height == o.expiry_height && pool == o.pool &&
           prepaid == o.prepaid && orders == o.orders && replicas == o.replicas;
  }
};

struct node_report {
  uint64_t last_slot = no_slot; // slot of the last accepted work report
  uint64_t files_bytes = 0;     // Σ sizes of the node's set ('H')
  uint64_t reserved_bytes = 0;
  std::string reserved_root;    // 32 bytes once reported
  std::string reserved_beacon;  // hash of the slot the reservation was (re)declared in
  uint64_t reserved_since_slot = 0;
  uint64_t penalty_until_slot = no_slot; // storage power 0 through this slot (no_slot = none)
  uint64_t last_proven_slot = no_slot;
  bool operator==(const node_report& o) const {
    return last_slot == o.last_slot && files_bytes == o.files_bytes && reserved_bytes == o.reserved_bytes &&
           reserved_root == o.reserved_root && reserved_beacon == o.reserved_beacon &&
           reserved_since_slot == o.reserved_since_slot && penalty_until_slot == o.penalty_until_slot &&
           last_proven_slot == o.last_proven_slot;
  }
};

struct challenge_entry {
  std::string cid; // empty = the node's reserved space
  uint64_t segment_index = 0;
  bool answered = false;
  bool operator==(const challenge_entry& o) const {
    return cid == o.cid && segment_index == o.segment_index && answered == o.answered;
  }
};

struct challenge_set {
  uint64_t slot = 0;
  std::vector<challenge_entry> challenges; // draw order; challenge_no = index
  bool operator==(const challenge_set& o) const { return slot == o.slot && challenges == o.challenges; }
};

struct slot_info {
  uint64_t slot = 0;
  std::string slot_hash; // 32 bytes
  bool operator==(const slot_info& o) const { return slot == o.slot && slot_hash == o.slot_hash; }
};

// Strict codecs: exactly the fields above with their types (bin32 where noted); anything else
// is errc::corrupt naming the record.
std::string encode(const file_record& f);
std::string encode(const node_report& r);
std::string encode(const challenge_set& c);
std::string encode(const slot_info& s);
result<file_record> decode_file_record(std::string_view bytes);
result<node_report> decode_node_report(std::string_view bytes);
result<challenge_set> decode_challenge_set(std::string_view bytes);
result<slot_info> decode_slot_info(std::string_view bytes);

// BLAKE2b-256("mantle/files/v1" || for each (cid, size) in cid byte order:
// u32be(len(cid)) || cid || u64be(size)); 32 raw bytes. The set is sorted here if it is not.
std::string files_root(const std::vector<std::pair<std::string, uint64_t>>& set);

// Slot arithmetic (slot_blocks ≥ 1, height ≥ 1).
uint64_t slot_of(uint64_t height, uint64_t slot_blocks);
uint64_t first_height_of(uint64_t slot, uint64_t slot_blocks);

pricing_params pricing_of(const chain::chain_params& p);

// --- queries (committed state via state_db::begin_read(), or a block in progress) ----------
result<std::optional<file_record>> read_file(const state_view& v, std::string_view cid);
// Up to `limit` files with cid > after_cid (empty = from the first), in cid order.
result<std::vector<std::pair<std::string, file_record>>> read_files(const state_view& v, std::string_view after_cid,
                                                                    size_t limit);
result<std::optional<node_report>> read_node_report(const state_view& v, std::string_view node_key);
result<std::vector<std::pair<std::string, uint64_t>>> read_node_files(const state_view& v, std::string_view node_key);
result<std::optional<challenge_set>> read_challenges(const state_view& v, std::string_view node_key);
// The current slot; {0, 32 zero bytes} before the first slot boundary.
result<slot_info> read_slot(const state_view& v);
result<uint64_t> read_reserve(const state_view& v);
result<uint64_t> read_pot_schedule(const state_view& v, uint64_t era);

// --- rules, called by the state transition -------------------------------------------------
// What a rule may touch: the state (view + sink of one block or a dry run), the params, the
// block height and the era record (whose pot the market feeds). Errors: errc::invalid_input =
// the transaction fails with that message as its reason (the caller rolls back); any other
// code = the block cannot be executed (storage failure, corrupt record).
struct market_context {
  const state_view& view;
  state_sink& sink;
  const chain::chain_params& params;
  uint64_t height;
  chain::era_info& era;
  std::vector<chain::state_event>& events;
};

// Whether a tx of `type` from `sender` may pay less than min_fee: work reports and storage
// proofs from a registered node key (the node key's account holds no funds).
result<bool> fee_exempt(const state_view& v, uint64_t type, std::string_view sender);

// The tx's fee and nonce are already taken when these run.
status apply_place_order(market_context& c, std::string_view sender, const chain::txs::place_order& x);
status apply_add_prepaid(market_context& c, std::string_view sender, const chain::txs::add_prepaid& x);
// slot == slot(height), slot_hash == the current slot's hash, one report per node per slot;
// every added cid has a file record and is not in the node's set, every deleted one is; at
// most max_report_files entries in all, no cid twice; files_bytes == old + Σ added − Σ deleted
// (sizes from the records); files_root == files_root(new set); reserved_bytes a multiple of
// reserved_unit_bytes. A changed (reserved_bytes, reserved_root) is a new reservation: its
// beacon is this slot's hash and it is challenged from the next slot on. Added files become
// replicas with since_slot = slot. Emits a `report` event (amount = the node's storage power).
status apply_work_report(market_context& c, std::string_view sender, const chain::txs::work_report& x);
// slot == the current slot == the node's challenge set's slot; every challenge_no in range, not
// answered before, not twice in the tx; each proof decodes, has the challenge's index and
// verifies against the file's root and size (reserved space: the node's reserved root and
// bytes, and the labels' hash chain for the reservation's beacon). A challenge on a file that
// left the node's set, or on a reservation redeclared since the draw, is waived and cannot be
// answered. One bad answer fails the whole tx naming the challenge; answers may be split over
// several txs in the slot.
status apply_storage_proof(market_context& c, std::string_view sender, const chain::txs::storage_proof& x);

// Before the txs of every block: in the first block of slot s ≥ 1, runs in order
//  1. 'L' = {s, prev_hash}
//  2. settlement of s−1 for every node with a report record: proven = reported in s−1, had a
//     challenge set for s−1, and answered every challenge in it (or it was waived: file no
//     longer in the node's set, reserved space redeclared). Without a challenge set (the first
//     reported slot, the slot after a missed one) the node is not proven, but nothing fails. Not
//     reported: storage power 0 through s−1+missed_report_slots, and every replica counts a
//     failed slot. Reported but failed: each replica whose file had an unanswered challenge
//     counts a failed slot. A replica with lost_after_failures consecutive failed slots is
//     lost (removed from the file, the node's set and files_bytes; `replica_lost` event).
//     Proven: the node's replicas older than s−1 are proven in s−1 (failures reset). Storage
//     power = 0 unless proven and out of penalty, else files_bytes + reserved_bytes ×
//     reserved_weight_ppm / 10^6 (reserved counted once declared before s−1).
//  3. pools pay slot s−1: a pending file with a replica proven in s−1 goes live (expiry =
//     height + file_duration_blocks, `order_live` event); every live file pays its replicas
//     proven in s−1 (earliest max_replicas) market::pool_slot_payout over the remaining slots,
//     to their nodes' owners.
//  4. expiry: a live file with expiry_height ≤ height renews from prepaid when prepaid covers
//     the order fee of its size (split like an order; expiry += file_duration_blocks), else
//     closes (record, node sets and files_bytes updated; pool and prepaid to the reserve).
//  5. challenges for s (seed = prev_hash) for every node that reported in s−1; others have none.
// prev_hash: the block header's prev_hash (empty is read as 32 zero bytes).
status begin_block(market_context& c, std::string_view prev_hash);
// After an era closed and era.index became the new era: moves 'Y'[era.index] into era.pot.
status open_era(market_context& c);

} // namespace mantle::market
