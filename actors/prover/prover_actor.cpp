#include "actors/prover/prover_actor.hpp"

#include <caf/all.hpp>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sys/stat.h>

#include "actors/market/market_rules.hpp"
#include "actors/prover/challenge_answers.hpp"
#include "actors/prover/claim_book.hpp"
#include "actors/prover/file_proof.hpp"
#include "actors/prover/nonce_tracker.hpp"
#include "actors/prover/prover_txs.hpp"
#include "actors/prover/report_builder.hpp"
#include "actors/prover/reserved_file.hpp"
#include "actors/validator/chain_types.hpp"
#include "actors/validator/state_tables.hpp"
#include "actors/validator/validator_actor.hpp"
#include "config/log.hpp"
#include "messages/errors.hpp"
#include "messages/events.hpp"
#include "messages/market.hpp"
#include "messages/node_types.hpp"
#include "messages/validator.hpp"
#include "storage/block_store.hpp"
#include "storage/cid.hpp"
#include "storage/identity.hpp"
#include "actors/introspection.hpp"

namespace mantle {
namespace {

using namespace prover;
using market::no_slot;

constexpr const char* component = "prover";
constexpr uint32_t scan_page = 4096;
constexpr size_t max_keys_per_read = 4096;
// An add whose file record stays absent this many slots is given up (the order never came or
// closed before the node claimed it).
constexpr uint64_t give_up_slots = 8;
constexpr int max_taken_retries = 8;

// One generation of reserved-space labels at a time in this process, even across restarts of
// the actor (a cancelled worker may still be finishing its piece).
std::mutex& generation_mutex() {
  static std::mutex m;
  return m;
}

std::string zero_root() { return std::string(32, '\0'); }

std::string hex(std::string_view raw) { return chain::to_hex(std::string(raw)); }

std::string cid_text(const std::string& bytes) {
  auto c = cid::from_bytes(bytes);
  return c ? c->str() : hex(bytes);
}

struct view {
  uint64_t height = 0;
  std::string chain_id;
  chain::chain_params params;
  market::slot_info slot;
  std::optional<market::node_report> report;
  std::optional<market::challenge_set> challenges;
  uint64_t nonce = 0;
};

struct outgoing {
  nonce_tracker::kind k = nonce_tracker::kind::report;
  uint64_t slot = 0;
  std::vector<chain::tx_arg> args;
  std::vector<answer> answers; // proofs: kept to split a refused batch
  int taken_retries = 0;
};

struct proof_job {
  std::atomic<bool> cancel{false};
  uint64_t slot = 0;
  std::vector<proof_task> tasks;
  answer_outcome outcome;
};

struct reserve_job {
  uint64_t slot = 0;
  uint64_t bytes = 0;
  std::string beacon;
  std::optional<result<reserved_meta>> out;
  std::chrono::steady_clock::duration took{};
  std::atomic<uint64_t> done{0};
  std::atomic<bool> cancel{false};
};

struct prover_state {
  prover_actor_config cfg;
  std::string node_key;
  std::string dir;
  std::optional<claim_book> claims;
  std::unique_ptr<reserved_file> labels_file;
  std::optional<reserved_meta> labels; // the complete labels on disk
  nonce_tracker tracker;
  caf::group events;

  // Chain following.
  bool reading = false;
  bool again = false;
  std::optional<view> v;
  uint64_t slot = no_slot;
  uint64_t checked_nonce_height = 0;
  std::vector<std::pair<std::string, uint64_t>> set; // 'H' as last read
  uint64_t files_bytes = 0;

  // Reports.
  bool building = false;
  uint64_t queued_report_slot = no_slot;
  uint64_t last_report_slot = no_slot; // last slot whose report the chain shows
  uint64_t last_attempt_height = 0;

  // Proofs (for `slot`).
  std::map<uint64_t, std::string> answers; // challenge_no -> encoded proof
  std::set<uint64_t> unanswerable;
  std::set<uint64_t> singles; // answers to send one per tx (they shared a tx that failed)
  std::set<std::string> deleting; // cids this slot's report deletes: their challenges are waived
  std::shared_ptr<proof_job> proving;
  uint64_t last_proof_slot = no_slot; // last slot whose challenges were all answered on chain
  uint64_t proofs_sent = 0;

  // Submissions, one at a time so nonces go out in order.
  std::deque<outgoing> outbox;
  bool submitting = false;
  bool paused = false; // a nonce was refused as used: wait for a fresh read

  // Reserved space.
  std::shared_ptr<reserve_job> generating;
  bool reserve_too_slow = false;
  bool reserve_bad_unit = false;

  // Detached workers report back by job id.
  uint64_t next_job = 1;
  std::map<uint64_t, std::function<void()>> on_done;

  std::string last_error;
  static inline const char* name = "prover";

  // The actor is gone: its workers stop at their next piece.
  ~prover_state() {
    if (generating)
      generating->cancel = true;
    if (proving)
      proving->cancel = true;
  }
};

using actor_t = caf::stateful_actor<prover_state>;

void note_error(actor_t* self, std::string msg) {
  log::warning(component, msg);
  self->state.last_error = std::move(msg);
}

caf::actor validator_of(actor_t* self) {
  auto a = self->system().registry().get(caf::atom_from_string(validator_name));
  return caf::actor_cast<caf::actor>(a);
}

// Runs `work` on a thread of its own and `then` back on the actor's thread, also when `work`
// threw (it records its own outcome; an exception leaves that outcome unset).
void run_detached(actor_t* self, std::function<void()> work, std::function<void()> then) {
  auto& st = self->state;
  uint64_t id = st.next_job++;
  st.on_done[id] = std::move(then);
  auto parent = caf::actor_cast<caf::actor>(self);
  self->spawn<caf::detached>([work = std::move(work), parent, id](caf::event_based_actor* w) {
    try {
      work();
    } catch (const std::exception& e) {
      log::error(component, std::string("worker failed: ") + e.what());
    }
    w->send(parent, prover_done_atom::value, id);
  });
}

void refresh(actor_t* self);
void pump(actor_t* self);

// ---- reserved space --------------------------------------------------------------------------

struct reservation_choice {
  reservation res;
  bool ready = true; // false: hold the report, labels for this slot are on their way
};

bool labels_match_chain(const prover_state& st) {
  const auto& r = st.v->report;
  return st.labels && r && r->reserved_bytes == st.labels->bytes && r->reserved_root == st.labels->root &&
         r->reserved_beacon == st.labels->beacon;
}

void start_generation(actor_t* self, uint64_t bytes) {
  auto& st = self->state;
  auto job = std::make_shared<reserve_job>();
  job->slot = st.slot;
  job->bytes = bytes;
  job->beacon = st.v->slot.slot_hash;
  st.generating = job;
  log::info(component, "generating " + std::to_string(bytes) + " bytes of reserved-space labels for slot " +
                           std::to_string(job->slot));
  std::string dir = st.dir;
  std::string key = st.node_key;
  run_detached(
    self,
    [job, dir, key] {
      std::lock_guard<std::mutex> lk(generation_mutex());
      auto t0 = std::chrono::steady_clock::now();
      reserved_file f(dir);
      job->out = f.generate(key, job->beacon, job->bytes, [job](uint64_t done) {
        job->done = done;
        return !job->cancel.load();
      });
      job->took = std::chrono::steady_clock::now() - t0;
    },
    [self, job] {
      auto& st = self->state;
      if (st.generating == job)
        st.generating.reset();
      if (!job->out)
        job->out = result<reserved_meta>(make_error(errc::internal, "the label generator stopped"));
      const auto& out = *job->out;
      if (!out) {
        if (!job->cancel)
          note_error(self, "reserved space: " + out.err().message);
      } else {
        st.labels = *out;
        log::info(component, "reserved-space labels ready: " + std::to_string(out->bytes) + " bytes, root " +
                                 hex(out->root).substr(0, 16));
      }
      // A reservation must be generated and reported within the slot whose hash seeds it:
      // when the whole generation takes longer than half a slot it never can be.
      if (st.v && (job->cancel || st.slot != job->slot)) {
        double took_ms = std::chrono::duration<double, std::milli>(job->took).count();
        double whole_ms = took_ms * double(job->bytes) / double(std::max<uint64_t>(job->done, 1));
        double window_ms = double(st.v->params.slot_blocks / 2) * double(st.v->params.block_time_ms);
        if (job->done > 0 && whole_ms > window_ms) {
          st.reserve_too_slow = true;
          note_error(self, "reserved space: generating " + std::to_string(job->bytes) + " bytes takes about " +
                               std::to_string(uint64_t(whole_ms)) + " ms, more than half a slot (" +
                               std::to_string(uint64_t(window_ms)) +
                               " ms); lower --reserve-bytes (reporting without the reservation)");
        }
      }
      refresh(self);
    });
}

// What to report as reserved space in this slot, generating labels when needed.
reservation_choice choose_reservation(actor_t* self) {
  auto& st = self->state;
  const auto& v = *st.v;
  uint64_t unit = v.params.reserved_unit_bytes;
  uint64_t want = st.cfg.reserve_bytes;
  if (want > 0 && (unit == 0 || want % unit != 0 || want % proof::segment_size != 0)) {
    if (!st.reserve_bad_unit)
      note_error(self, "--reserve-bytes " + std::to_string(want) + " is not a multiple of the chain's reserved unit (" +
                           std::to_string(unit) + " bytes): no reserved space is offered");
    st.reserve_bad_unit = true;
    want = 0;
  }
  bool chain_valid = labels_match_chain(st);
  reservation keep_or_none;
  if (chain_valid)
    keep_or_none = {st.labels->bytes, st.labels->root};
  else
    keep_or_none = {0, zero_root()};

  if (want == 0) {
    // Once the chain no longer holds a reservation the labels can go.
    if (st.labels && v.report && v.report->reserved_bytes == 0 && !st.generating) {
      if (auto s = st.labels_file->clear(); s)
        st.labels.reset();
    }
    return {{0, zero_root()}, true};
  }
  if (chain_valid && st.labels->bytes == want)
    return {{want, st.labels->root}, true};
  if (st.labels && st.labels->bytes == want && st.labels->beacon == v.slot.slot_hash)
    return {{want, st.labels->root}, true}; // made in this slot: the report declares it now
  if (st.reserve_too_slow)
    return {keep_or_none, true};

  // New labels seeded by this slot's hash. The old labels may still be challenged in this slot:
  // generate only once those answers are in hand.
  bool old_needed = false;
  if (chain_valid && v.challenges && v.challenges->slot == st.slot)
    for (size_t i = 0; i < v.challenges->challenges.size(); ++i) {
      const auto& c = v.challenges->challenges[i];
      if (c.cid.empty() && !c.answered && !st.answers.count(i) && !st.unanswerable.count(i))
        old_needed = true;
    }
  if (st.generating && st.generating->slot != st.slot)
    st.generating->cancel = true; // seeded by an older slot: useless now
  // Hold the report until the labels are ready or half the slot has gone.
  uint64_t first = market::first_height_of(st.slot, v.params.slot_blocks);
  uint64_t deadline = first + v.params.slot_blocks / 2;
  if (v.height + 1 >= deadline) {
    if (st.generating && st.generating->slot == st.slot)
      st.generating->cancel = true;
    return {keep_or_none, true}; // next slot, from its start
  }
  if (!st.generating && !old_needed)
    start_generation(self, want);
  return {keep_or_none, false};
}

// ---- work reports ----------------------------------------------------------------------------

// The node's whole set, page by page.
struct scanned_set {
  std::vector<std::pair<std::string, uint64_t>> files;
  std::set<uint64_t> heights; // of the pages: one height = one consistent state
};

void scan_set(actor_t* self, std::string after, std::shared_ptr<scanned_set> acc, std::function<void(bool)> then) {
  auto val = validator_of(self);
  if (!val)
    return then(false);
  std::string prefix = market::node_file_key(self->state.node_key);
  self->request(val, self->state.cfg.request_timeout, chain_scan_atom::value, prefix, after, scan_page)
    .then(
      [=](chain_scan_reply& r) {
        acc->heights.insert(r.height);
        for (size_t i = 0; i < r.keys.size() && i < r.values.size(); ++i) {
          auto size = chain::decode_u64(r.values[i]);
          if (!size || r.keys[i].size() <= prefix.size()) {
            note_error(self, "the chain's file set of this node has a bad entry");
            return then(false);
          }
          acc->files.emplace_back(r.keys[i].substr(prefix.size()), *size);
        }
        if (r.keys.size() == scan_page)
          return scan_set(self, r.keys.back(), acc, then);
        then(true);
      },
      [=](caf::error& e) {
        note_error(self, "reading this node's file set: " + from_caf(e).message);
        then(false);
      });
}

// File records of `cids` (at most max_keys_per_read).
void read_records(actor_t* self, std::vector<std::string> cids,
                  std::function<void(bool, std::map<std::string, market::file_record>)> then) {
  auto val = validator_of(self);
  if (!val)
    return then(false, {});
  if (cids.size() > max_keys_per_read)
    cids.resize(max_keys_per_read);
  if (cids.empty())
    return then(true, {});
  std::vector<std::string> keys;
  for (const auto& c : cids)
    keys.push_back(market::file_key(c));
  self->request(val, self->state.cfg.request_timeout, chain_read_atom::value, keys)
    .then(
      [=](chain_read_reply& r) {
        std::map<std::string, market::file_record> out;
        for (size_t i = 0; i < cids.size() && i < r.values.size() && i < r.found.size(); ++i) {
          if (!r.found[i])
            continue;
          auto f = market::decode_file_record(r.values[i]);
          if (!f) {
            note_error(self, "file record of " + cid_text(cids[i]) + ": " + f.err().message);
            continue;
          }
          out.emplace(cids[i], std::move(*f));
        }
        then(true, std::move(out));
      },
      [=](caf::error& e) {
        note_error(self, "reading file records: " + from_caf(e).message);
        then(false, {});
      });
}

// Multihashes of the roots pinned here (recursively or directly).
std::set<std::string> pinned_multihashes(actor_t* self) {
  std::set<std::string> out;
  auto& store = self->state.cfg.store;
  if (!store)
    return out;
  for (auto t : {pin_type::recursive, pin_type::direct}) {
    auto p = store->pins(t);
    if (!p) {
      note_error(self, "reading the pins: " + p.err().message);
      continue;
    }
    for (const auto& i : *p)
      out.insert(i.id.mh);
  }
  return out;
}

void build_report(actor_t* self, reservation res) {
  auto& st = self->state;
  st.building = true;
  uint64_t slot = st.slot;
  auto scan = std::make_shared<scanned_set>();
  scan_set(self, "", scan, [=](bool ok) {
    auto& st = self->state;
    // The set must come from the state the view ('R') was read from, or files_bytes may not
    // match it; a block in between means another try at the next block.
    if (!ok || st.slot != slot || !st.v || scan->heights.size() != 1 || *scan->heights.begin() != st.v->height) {
      st.building = false;
      return;
    }
    auto acc = std::make_shared<std::vector<std::pair<std::string, uint64_t>>>(std::move(scan->files));
    auto at = std::make_shared<view>(*st.v); // the view the set belongs to
    std::vector<std::string> adds;
    for (const auto& [cid, e] : st.claims->adds())
      adds.push_back(cid);
    read_records(self, adds, [=](bool ok, std::map<std::string, market::file_record> records) {
      auto& st = self->state;
      st.building = false;
      if (!ok || st.slot != slot)
        return;
      st.set = *acc;
      st.files_bytes = at->report ? at->report->files_bytes : 0;
      // Claims the chain already shows are done; an add without an order for long is dropped.
      if (!st.tracker.report_pending(slot) && st.queued_report_slot != slot) {
        std::set<std::string> have;
        for (const auto& [c, r] : records)
          have.insert(c);
        auto gone = st.claims->reconcile(*acc, slot >= give_up_slots ? slot - give_up_slots : 0, have);
        if (!gone)
          note_error(self, "saving the prover's claims: " + gone.err().message);
        else
          for (const auto& c : *gone)
            log::warning(component, "gave up claiming " + cid_text(c) + ": no order for it on chain");
      }
      chain_view cv;
      cv.slot = slot;
      cv.slot_hash = at->slot.slot_hash;
      cv.files_bytes = st.files_bytes;
      cv.files = *acc;
      for (const auto& [c, r] : records)
        cv.record_sizes.emplace(c, r.size);
      auto pinned_mh = pinned_multihashes(self);
      auto pinned = [&](std::string_view bytes) {
        auto c = cid::from_bytes(bytes);
        return c && pinned_mh.count(c->mh) > 0;
      };
      auto plan = prover::build_report(cv, st.claims->claims(), pinned, res, at->params.max_report_files);
      if (!plan) {
        note_error(self, "building the work report: " + plan.err().message);
        return;
      }
      for (const auto& [c, why] : plan->rejected) {
        log::warning(component, "not claiming " + cid_text(c) + ": " + why);
        if (auto s = st.claims->forget_add(c); !s)
          note_error(self, "saving the prover's claims: " + s.err().message);
      }
      // A node that has never reported and has nothing to offer stays out of the market: a
      // first report would replace its genesis storage power with 0 and commit it to report
      // every slot from then on (a missed one is penalized).
      if (!at->report && plan->body.added.empty() && plan->body.reserved_bytes == 0)
        return;
      if (!plan->body.deleted.empty() || !plan->body.added.empty())
        log::info(component, "work report for slot " + std::to_string(slot) + ": +" +
                                 std::to_string(plan->body.added.size()) + " -" +
                                 std::to_string(plan->body.deleted.size()) + " files, " +
                                 std::to_string(plan->body.files_bytes) + " bytes");
      st.deleting = std::set<std::string>(plan->body.deleted.begin(), plan->body.deleted.end());
      outgoing o;
      o.k = nonce_tracker::kind::report;
      o.slot = slot;
      o.args = work_report_args(plan->body);
      st.queued_report_slot = slot;
      st.outbox.push_front(std::move(o)); // before any proofs: the report matters most
      pump(self);
    });
  });
}

// ---- proofs ----------------------------------------------------------------------------------

void queue_answers(actor_t* self, std::vector<answer> answers) {
  auto& st = self->state;
  if (answers.empty())
    return;
  std::vector<answer> shared;
  std::vector<std::vector<answer>> alone;
  for (auto& a : answers) {
    if (st.singles.count(a.challenge_no))
      alone.push_back({std::move(a)});
    else
      shared.push_back(std::move(a));
  }
  auto batches = split_answers(std::move(shared), st.v->params.max_tx_bytes);
  if (!batches) {
    note_error(self, "storage proofs: " + batches.err().message);
    return;
  }
  batches->insert(batches->end(), alone.begin(), alone.end());
  for (auto& b : *batches) {
    outgoing o;
    o.k = nonce_tracker::kind::proof;
    o.slot = st.slot;
    o.args = storage_proof_args(st.slot, b);
    o.answers = std::move(b);
    st.outbox.push_back(std::move(o));
  }
  pump(self);
}

void start_proofs(actor_t* self, std::vector<challenge_ref> todo) {
  auto& st = self->state;
  std::vector<std::string> cids;
  for (const auto& c : todo)
    if (!c.cid.empty() && (cids.empty() || cids.back() != c.cid))
      cids.push_back(c.cid);
  std::sort(cids.begin(), cids.end());
  cids.erase(std::unique(cids.begin(), cids.end()), cids.end());
  auto job = std::make_shared<proof_job>();
  job->slot = st.slot;
  st.proving = job;
  read_records(self, cids, [=](bool ok, std::map<std::string, market::file_record> records) {
    auto& st = self->state;
    if (!ok || st.slot != job->slot || !st.v) {
      st.proving.reset();
      return;
    }
    std::map<std::string, proof_target> targets;
    for (const auto& [c, r] : records) {
      proof_target t;
      t.size = r.size;
      if (r.proof_root.size() == t.root.size())
        std::copy(r.proof_root.begin(), r.proof_root.end(), t.root.begin());
      targets.emplace(c, t);
    }
    if (labels_match_chain(st)) {
      proof_target t;
      t.size = st.labels->bytes;
      std::copy(st.labels->root.begin(), st.labels->root.end(), t.root.begin());
      targets.emplace(std::string(), t);
    }
    std::vector<uint64_t> untargeted;
    job->tasks = plan_proof_tasks(todo, targets, &untargeted);
    for (auto n : untargeted)
      st.unanswerable.insert(n);
    if (!untargeted.empty())
      note_error(self, std::to_string(untargeted.size()) + " challenges of slot " + std::to_string(job->slot) +
                           " target files or reserved space this node cannot prove (no order, or labels that "
                           "do not match the chain's reservation)");
    auto store = st.cfg.store;
    reserved_file labels(st.dir);
    run_detached(
      self,
      [job, store, labels] {
        // A stopping prover cancels between two 1 MiB reads, so shutdown never waits for a
        // whole pass over a large file.
        auto cancellable = [job](proof::segment_reader r) -> proof::segment_reader {
          return [job, r = std::move(r)](uint64_t off, size_t n, std::string& out) -> status {
            if (job->cancel)
              return make_error(errc::unavailable, "cancelled");
            return r(off, n, out);
          };
        };
        reader_opener open = [&](const std::string& c, uint64_t) -> result<proof::segment_reader> {
          if (c.empty())
            return cancellable(labels.reader());
          if (!store)
            return make_error(errc::unavailable, "no local block store");
          auto id = cid::from_bytes(c);
          if (!id)
            return id.err();
          return cancellable(proof::file_segment_reader(*store, *id));
        };
        job->outcome = answer_challenges(job->tasks, open, &job->cancel);
      },
      [self, job] {
        auto& st = self->state;
        if (st.proving == job)
          st.proving.reset();
        if (job->slot != st.slot)
          return;
        for (const auto& [c, why] : job->outcome.errors)
          note_error(self, "cannot prove " + (c.empty() ? std::string("the reserved space") : cid_text(c)) +
                               " in slot " + std::to_string(job->slot) + ": " + why);
        for (auto n : job->outcome.failed)
          st.unanswerable.insert(n);
        for (auto& a : job->outcome.answers)
          st.answers[a.challenge_no] = std::move(a.proof);
        refresh(self);
      });
  });
}

void handle_challenges(actor_t* self) {
  auto& st = self->state;
  const auto& q = *st.v->challenges;
  auto pending = st.tracker.answers_pending(st.slot);
  for (const auto& o : st.outbox)
    for (const auto& a : o.answers)
      pending.insert(a.challenge_no);
  std::vector<answer> ready;
  std::vector<challenge_ref> todo;
  bool all_answered = true;
  for (uint64_t i = 0; i < q.challenges.size(); ++i) {
    const auto& c = q.challenges[i];
    if (c.answered)
      continue;
    all_answered = false;
    if (pending.count(i) || st.unanswerable.count(i))
      continue;
    if (!c.cid.empty() && st.deleting.count(c.cid))
      continue; // waived once this slot's report lands (a report that does not land fails the slot anyway)
    if (auto a = st.answers.find(i); a != st.answers.end())
      ready.push_back(answer{i, a->second});
    else
      todo.push_back(challenge_ref{i, c.cid, c.segment_index});
  }
  if (all_answered && !q.challenges.empty())
    st.last_proof_slot = q.slot;
  queue_answers(self, std::move(ready));
  if (!todo.empty() && !st.proving)
    start_proofs(self, std::move(todo));
}

// ---- submission ------------------------------------------------------------------------------

bool mentions(const std::string& text, const char* what) { return text.find(what) != std::string::npos; }

void pump(actor_t* self) {
  auto& st = self->state;
  while (!st.outbox.empty() && st.outbox.front().slot != st.slot) {
    if (st.outbox.front().k == nonce_tracker::kind::report)
      st.queued_report_slot = no_slot;
    st.outbox.pop_front(); // a slot that has passed: the chain would refuse it
  }
  if (st.submitting || st.paused || st.outbox.empty() || !st.v)
    return;
  auto val = validator_of(self);
  if (!val)
    return;
  st.submitting = true;
  const outgoing& o = st.outbox.front();
  uint64_t nonce = st.tracker.next();
  uint64_t type = o.k == nonce_tracker::kind::report ? work_report_type : storage_proof_type;
  std::string bytes = sign_node_tx(*st.cfg.identity, st.v->chain_id, type, nonce, o.args);
  self->request(val, st.cfg.request_timeout, chain_submit_atom::value, bytes)
    .then(
      [=](const std::string& hash_hex) {
        auto& st = self->state;
        st.submitting = false;
        if (st.outbox.empty())
          return;
        outgoing o = std::move(st.outbox.front());
        st.outbox.pop_front();
        nonce_tracker::sent_tx t;
        auto raw = chain::from_hex(hash_hex);
        t.hash = raw ? *raw : std::string();
        t.k = o.k;
        t.slot = o.slot;
        t.height = st.v ? st.v->height : 0;
        for (const auto& a : o.answers)
          t.challenges.push_back(a.challenge_no);
        if (o.k == nonce_tracker::kind::report) {
          st.queued_report_slot = no_slot;
          log::debug(component, "work report for slot " + std::to_string(o.slot) + " sent, nonce " +
                                    std::to_string(nonce));
        } else {
          st.proofs_sent += o.answers.size();
        }
        st.tracker.sent(nonce, std::move(t));
        pump(self);
      },
      [=](caf::error& e) {
        auto& st = self->state;
        st.submitting = false;
        if (st.outbox.empty())
          return;
        std::string msg = from_caf(e).message;
        outgoing& o = st.outbox.front();
        if (mentions(msg, "already pending") && o.taken_retries < max_taken_retries) {
          // A tx from before a restart holds this nonce: take the next one.
          ++o.taken_retries;
          st.tracker.taken(nonce, st.v ? st.v->height : 0);
          return pump(self);
        }
        if (mentions(msg, "nonce")) {
          st.paused = true; // our view of the account is stale: wait for the next read
          return;
        }
        outgoing failed = std::move(o);
        st.outbox.pop_front();
        if (failed.k == nonce_tracker::kind::report) {
          st.queued_report_slot = no_slot;
          note_error(self, "work report for slot " + std::to_string(failed.slot) + " refused: " + msg);
        } else if (failed.answers.size() > 1) {
          // One bad answer fails the whole tx: send them one by one to keep the good ones.
          for (auto it = failed.answers.rbegin(); it != failed.answers.rend(); ++it) {
            outgoing single;
            single.k = nonce_tracker::kind::proof;
            single.slot = failed.slot;
            single.answers = {*it};
            single.args = storage_proof_args(failed.slot, single.answers);
            st.outbox.push_front(std::move(single));
          }
        } else if (failed.answers.size() == 1) {
          st.unanswerable.insert(failed.answers[0].challenge_no);
          note_error(self, "storage proof for challenge " + std::to_string(failed.answers[0].challenge_no) +
                               " of slot " + std::to_string(failed.slot) + " refused: " + msg);
        }
        pump(self);
      });
}

// ---- following the chain -------------------------------------------------------------------

void check_lowest_tx(actor_t* self) {
  auto& st = self->state;
  const auto* t = st.tracker.at_account_nonce();
  if (!t || t->hash.empty() || st.checked_nonce_height == st.v->height)
    return;
  auto val = validator_of(self);
  if (!val)
    return;
  st.checked_nonce_height = st.v->height;
  uint64_t nonce = st.tracker.account_nonce();
  std::string hash = t->hash;
  self->request(val, st.cfg.request_timeout, chain_tx_atom::value, hash)
    .then(
      [=](const std::string& text) {
        auto j = nlohmann::json::parse(text, nullptr, false);
        if (j.is_discarded() || j.value("pending", false))
          return;
        if (j.contains("ok") && !j["ok"].get<bool>()) {
          auto& st = self->state;
          auto* cur = st.tracker.at_account_nonce();
          if (cur && cur->hash == hash) {
            std::string why = j.value("reason", "");
            log::info(component, "tx with nonce " + std::to_string(nonce) + " failed: " + why);
            if (cur->k == nonce_tracker::kind::proof && cur->slot == st.slot) {
              // One bad answer fails the whole tx: the good ones go again one per tx, a lone
              // failing one is given up for this slot.
              if (cur->challenges.size() == 1) {
                st.unanswerable.insert(cur->challenges[0]);
                note_error(self, "storage proof for challenge " + std::to_string(cur->challenges[0]) + " of slot " +
                                     std::to_string(st.slot) + " failed: " + why);
              } else {
                st.singles.insert(cur->challenges.begin(), cur->challenges.end());
              }
            }
            st.tracker.lost(nonce);
            refresh(self);
          }
        }
      },
      [=](caf::error& e) {
        if (from_caf(e).code != errc::not_found)
          return;
        auto* cur = self->state.tracker.at_account_nonce();
        if (cur && cur->hash == hash) {
          self->state.tracker.lost(nonce); // left the mempool without a block
          refresh(self);
        }
      });
}

result<view> decode_view(const chain_read_reply& r) {
  if (r.values.size() != 6 || r.found.size() != 6)
    return make_error(errc::invalid_input, "the validator answered a state read with the wrong number of values");
  view v;
  v.height = r.height;
  if (!r.found[0] || !r.found[1])
    return make_error(errc::unavailable, "the chain has no genesis yet");
  v.chain_id = r.values[0];
  auto p = chain::decode_params(r.values[1]);
  if (!p)
    return p.err();
  v.params = *p;
  if (r.found[2]) {
    auto s = market::decode_slot_info(r.values[2]);
    if (!s)
      return s.err();
    v.slot = *s;
  } else {
    v.slot = {0, zero_root()};
  }
  if (r.found[3]) {
    auto rep = market::decode_node_report(r.values[3]);
    if (!rep)
      return rep.err();
    v.report = *rep;
  }
  if (r.found[4]) {
    auto q = market::decode_challenge_set(r.values[4]);
    if (!q)
      return q.err();
    v.challenges = *q;
  }
  if (r.found[5]) {
    auto a = chain::decode_account(r.values[5]);
    if (!a)
      return a.err();
    v.nonce = a->nonce;
  }
  return v;
}

void on_view(actor_t* self, view v) {
  auto& st = self->state;
  st.v = std::move(v);
  st.paused = false;
  st.tracker.on_committed(st.v->nonce, st.v->height);
  check_lowest_tx(self);
  if (st.v->slot.slot != st.slot) {
    st.slot = st.v->slot.slot;
    st.answers.clear();
    st.unanswerable.clear();
    st.singles.clear();
    st.deleting.clear();
    st.last_attempt_height = 0;
  }
  bool reported = st.v->report && st.v->report->last_slot == st.slot;
  if (reported)
    st.last_report_slot = st.slot;
  auto res = choose_reservation(self);
  if (!reported && res.ready && !st.building && st.queued_report_slot != st.slot &&
      !st.tracker.report_pending(st.slot) && st.last_attempt_height != st.v->height) {
    st.last_attempt_height = st.v->height;
    build_report(self, res.res);
  }
  if (st.v->challenges && st.v->challenges->slot == st.slot)
    handle_challenges(self);
  pump(self);
}

void refresh(actor_t* self) {
  auto& st = self->state;
  if (st.reading) {
    st.again = true;
    return;
  }
  auto val = validator_of(self);
  if (!val)
    return;
  st.reading = true;
  std::vector<std::string> keys{chain::key_of(chain::table::chain_id), chain::key_of(chain::table::params),
                                market::slot_key(),
                                market::node_report_key(st.node_key),
                                market::challenges_key(st.node_key),
                                chain::key_of(chain::table::account, st.node_key)};
  self->request(val, st.cfg.request_timeout, chain_read_atom::value, keys)
    .then(
      [=](chain_read_reply& r) {
        auto& st = self->state;
        st.reading = false;
        auto v = decode_view(r);
        if (!v)
          note_error(self, "reading the chain: " + v.err().message);
        else
          on_view(self, std::move(*v));
        if (st.again) {
          st.again = false;
          refresh(self);
        }
      },
      [=](caf::error& e) {
        auto& st = self->state;
        st.reading = false;
        st.again = false;
        log::debug(component, "reading the chain: " + from_caf(e).message);
      });
}

std::string status_json(actor_t* self) {
  auto& st = self->state;
  using nlohmann::json;
  auto slot_value = [](uint64_t s) { return s == no_slot ? json(nullptr) : json(s); };
  json adds = json::array(), drops = json::array();
  for (const auto& [c, e] : st.claims->adds())
    adds.push_back({{"cid", cid_text(c)}, {"size", e.size}});
  for (const auto& c : st.claims->drops())
    drops.push_back(cid_text(c));
  json reserved{{"configured", st.cfg.reserve_bytes},
                {"bytes", st.labels ? st.labels->bytes : 0},
                {"root", st.labels ? hex(st.labels->root) : std::string()},
                {"on_chain", st.v && st.v->report ? st.v->report->reserved_bytes : 0},
                {"generating", st.generating != nullptr}};
  uint64_t challenges = 0, answered = 0;
  if (st.v && st.v->challenges && st.v->challenges->slot == st.slot) {
    challenges = st.v->challenges->challenges.size();
    for (const auto& c : st.v->challenges->challenges)
      answered += c.answered ? 1 : 0;
  }
  return json{{"node_key", hex(st.node_key)},
              {"height", st.v ? st.v->height : 0},
              {"slot", slot_value(st.slot)},
              {"files", st.set.size()},
              {"files_bytes", st.files_bytes},
              {"pending_adds", adds},
              {"pending_drops", drops},
              {"reserved", reserved},
              {"last_report_slot", slot_value(st.last_report_slot)},
              {"last_proof_slot", slot_value(st.last_proof_slot)},
              {"challenges", challenges},
              {"answered", answered},
              {"unanswerable", st.unanswerable.size()},
              {"proofs_sent", st.proofs_sent},
              {"pending_txs", st.tracker.pending()},
              {"last_error", st.last_error}}
    .dump();
}

caf::behavior prover_actor(actor_t* self, prover_actor_config cfg) {
  auto& st = self->state;
  st.cfg = cfg;
  st.node_key = cfg.identity->public_key();
  st.dir = cfg.data_dir + "/prover";
  if (::mkdir(st.dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw std::runtime_error("cannot create " + st.dir + ": " + std::strerror(errno));
  auto book = claim_book::open(st.dir + "/claims");
  if (!book) {
    // The chain holds what was claimed; only unreported claims are lost, and the market
    // tells them again.
    log::error(component, book.err().message + "; moved aside, starting with no pending claims");
    ::rename((st.dir + "/claims").c_str(), (st.dir + "/claims.damaged").c_str());
    book = claim_book::open(st.dir + "/claims");
    if (!book)
      throw std::runtime_error(book.err().message);
  }
  st.claims = std::move(*book);
  st.labels_file = std::make_unique<reserved_file>(st.dir);
  if (auto l = st.labels_file->load(); !l)
    log::warning(component, l.err().message + "; the labels will be generated again");
  else
    st.labels = *l;
  st.events = self->system().groups().get_local(node_event_group);
  self->join(st.events);
  log::info(component, "proving for node key " + hex(st.node_key).substr(0, 16) + ", " +
                           std::to_string(st.claims->adds().size()) + " pending claims" +
                           (cfg.reserve_bytes ? ", reserving " + std::to_string(cfg.reserve_bytes) + " bytes" : ""));
  self->send(self, prover_tick_atom::value);

  return with_mailbox_probe(self, {
    [=](const node_event& e) {
      if (e.kind == "block")
        refresh(self);
    },
    [=](prover_tick_atom) {
      refresh(self);
      self->delayed_send(self, self->state.cfg.tick, prover_tick_atom::value);
    },
    [=](prover_done_atom, uint64_t id) {
      auto& st = self->state;
      auto it = st.on_done.find(id);
      if (it == st.on_done.end())
        return;
      auto fn = std::move(it->second);
      st.on_done.erase(it);
      fn();
    },
    [=](prover_add_atom, const std::string& cid_bytes, uint64_t size) -> caf::result<caf::ok_atom> {
      auto& st = self->state;
      auto c = cid::from_bytes(cid_bytes);
      if (!c)
        return to_caf(make_error(errc::invalid_input, "prover: not a binary CID: " + c.err().message));
      if (st.cfg.store) {
        auto p = st.cfg.store->pins(std::nullopt, *c);
        if (!p)
          return to_caf(p.err());
        bool pinned = false;
        for (const auto& i : *p)
          pinned = pinned || i.type != pin_type::indirect;
        if (!pinned)
          return to_caf(make_error(errc::conflict, "prover: " + c->str() + " is not pinned on this node; pin it first"));
      }
      if (auto s = st.claims->add(cid_bytes, size, st.slot == no_slot ? 0 : st.slot); !s)
        return to_caf(s.err());
      log::info(component, "will claim " + c->str() + " (" + std::to_string(size) + " bytes) in the next report");
      return caf::ok_atom::value;
    },
    [=](prover_drop_atom, const std::string& cid_bytes) -> caf::result<caf::ok_atom> {
      auto& st = self->state;
      if (auto s = st.claims->drop(cid_bytes); !s)
        return to_caf(s.err());
      log::info(component, "will drop " + cid_text(cid_bytes) + " in the next report");
      return caf::ok_atom::value;
    },
    [=](prover_status_atom) -> std::string { return status_json(self); },
  });
}

} // namespace

caf::actor spawn_prover_actor(caf::actor_system& sys, prover_actor_config cfg) {
  return sys.spawn<caf::detached>(prover_actor, std::move(cfg));
}

} // namespace mantle
