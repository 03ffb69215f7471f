#include "actors/market/market_actor.hpp"

#include <caf/all.hpp>
#include <nlohmann/json.hpp>
#include <sys/statvfs.h>

#include <algorithm>

#include "actors/gateway/actor_backend.hpp"
#include "actors/market/market_book.hpp"
#include "actors/market/market_rules.hpp"
#include "actors/prover/file_proof.hpp"
#include "actors/validator/chain_types.hpp"
#include "actors/validator/state_tables.hpp"
#include "actors/validator/validator_actor.hpp"
#include "config/log.hpp"
#include "messages/block_store.hpp"
#include "messages/errors.hpp"
#include "messages/events.hpp"
#include "messages/exchange.hpp"
#include "messages/market.hpp"
#include "messages/node_types.hpp"
#include "messages/plugin.hpp"
#include "storage/rfc3339.hpp"
#include "actors/introspection.hpp"

namespace mantle {
namespace {

constexpr const char* component = "market";
constexpr uint32_t scan_page = 1024;
constexpr auto store_timeout = std::chrono::seconds(60);
constexpr auto prover_timeout = std::chrono::seconds(30);

using market::chain_snapshot;
using market::job_phase;

struct market_state {
  market_actor_config cfg;
  std::unique_ptr<market::market_book> book;
  caf::group events;
  // Scanning: one at a time; `again` asks for another right after (an event came meanwhile).
  bool scanning = false;
  bool again = false;
  uint64_t last_scan_height = 0;
  uint64_t last_seen_height = 0;
  uint64_t slot_blocks = 0; // from the chain params, once read
  chain_snapshot scan;      // being filled
  // The last complete scan, for the status.
  uint64_t scanned_height = 0;
  uint64_t scanned_files = 0;
  std::map<market::verdict, uint64_t> last_counts;
  std::string last_error;
  uint64_t scans = 0;
  // Order policy (--market-policy).
  uint64_t policy_asked = 0;
  uint64_t policy_approved = 0;
  uint64_t policy_declined = 0;
  std::string policy_error; // why the last scan took nothing or an ask failed; "" when fine
  static inline const char* name = "market";
};

using actor_t = caf::stateful_actor<market_state>;

caf::actor resolve(const std::function<caf::actor()>& f) { return f ? f() : caf::actor{}; }

std::string cid_text(const std::string& bytes) {
  auto c = cid::from_bytes(bytes);
  return c ? c->str() : "0x" + chain::to_hex(bytes);
}

uint64_t disk_free(const std::string& dir) {
  struct statvfs s {};
  if (::statvfs(dir.c_str(), &s) != 0)
    return 0;
  return static_cast<uint64_t>(s.f_bavail) * s.f_frsize;
}

// The prover answers "ok"; any answer that is not an error counts (the reply's exact type is
// the prover's business), so an unexpected_response is an acceptance too.
bool accepted(const caf::error& e) { return e == caf::sec::unexpected_response; }

void scan_now(actor_t* self);
void start_job(actor_t* self, const market::fetch_job& j);

void fail_scan(actor_t* self, const std::string& what) {
  auto& st = self->state;
  st.scanning = false;
  if (st.last_error != what)
    log::warning(component, what);
  st.last_error = what;
}

// --- dropping a file: the prover first, then the market's own pin (never somebody else's)

void unpin_if_ours(actor_t* self, const std::string& cid_bytes) {
  auto store = resolve(self->state.cfg.store);
  auto c = cid::from_bytes(cid_bytes);
  if (!store || !c)
    return;
  pin_query q;
  q.type = static_cast<uint8_t>(pin_type::recursive);
  q.which.push_back(*c);
  auto id = *c;
  self->request(store, store_timeout, pin_ls_atom::value, std::move(q))
    .then(
      [=](std::vector<pin_entry>& pins) {
        bool ours = std::any_of(pins.begin(), pins.end(), [&](const pin_entry& e) {
          return e.cid == id && e.name == market_pin_name;
        });
        if (!ours)
          return;
        auto store = resolve(self->state.cfg.store);
        if (!store)
          return;
        self->request(store, store_timeout, pin_rm_atom::value, id, true)
          .then([=](bool) { log::info(component, "unpinned " + id.str()); },
                [=](caf::error& e) {
                  log::warning(component, "cannot unpin " + id.str() + ": " + from_caf(e).message);
                });
      },
      [=](caf::error& e) {
        log::warning(component, "cannot list the pin of " + id.str() + ": " + from_caf(e).message);
      });
}

void drop_file(actor_t* self, const market::drop_action& d) {
  log::info(component, "dropping " + cid_text(d.cid) + ": " + d.reason);
  if (auto prover = resolve(self->state.cfg.prover))
    self->request(prover, prover_timeout, prover_drop_atom::value, d.cid)
      .then([](caf::ok_atom) {},
            [=](caf::error& e) {
              if (!accepted(e))
                log::warning(component, "prover did not take the drop of " + cid_text(d.cid) + ": " +
                                        from_caf(e).message);
            });
  unpin_if_ours(self, d.cid);
}

// --- the pipeline of one taken order: fetch, pin, verify, tell the prover

// For the console, the dashboard and plugins; the market ignores its own kinds in on_event.
void publish(actor_t* self, std::string kind, std::string text) {
  if (self->state.events)
    self->send(self->state.events, node_event{std::move(kind), self->state.last_seen_height, std::move(text)});
}

void abandon(actor_t* self, const std::string& cid_bytes, const std::string& reason, bool unpin) {
  auto& st = self->state;
  log::warning(component, "abandoned order " + cid_text(cid_bytes) + ": " + reason);
  publish(self, "order_abandoned", cid_text(cid_bytes) + ": " + reason);
  st.book->abandon(cid_bytes, reason, st.last_seen_height);
  if (unpin)
    unpin_if_ours(self, cid_bytes);
}

void release(actor_t* self, const std::string& cid_bytes, const std::string& why) {
  log::warning(component, "order " + cid_text(cid_bytes) + " set aside, retried later: " + why);
  self->state.book->release(cid_bytes);
}

std::string seconds_text(std::chrono::milliseconds d) {
  auto ms = d.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

// The file's bytes must give the order's size and root. Runs in its own detached actor: it
// reads the whole file.
caf::behavior verify_worker(caf::event_based_actor* self, std::function<caf::actor()> store,
                            std::shared_ptr<block_store> local) {
  return {
    [=](mkt_verify_atom, const cid& c) -> caf::result<uint64_t, std::string> {
      self->quit();
      auto backend = make_actor_backend(self->system(), store, peer_info{}, local);
      auto r = proof::compute_file_root(backend->blocks(), c);
      if (!r)
        return to_caf(r.err());
      return caf::result<uint64_t, std::string>(r->size, std::string(r->root.begin(), r->root.end()));
    },
  };
}

void tell_prover(actor_t* self, const std::string& cid_bytes, uint64_t size) {
  auto prover = resolve(self->state.cfg.prover);
  if (!prover) {
    log::warning(component, "no prover is running: " + cid_text(cid_bytes) +
                              " is held but not claimed; told again after the next scan");
    return;
  }
  self->request(prover, prover_timeout, prover_add_atom::value, cid_bytes, size)
    .then([=](caf::ok_atom) { self->state.book->told_prover(cid_bytes); },
          [=](caf::error& e) {
            if (accepted(e))
              return self->state.book->told_prover(cid_bytes);
            log::warning(component, "prover did not take " + cid_text(cid_bytes) + ": " + from_caf(e).message +
                                      "; told again after the next scan");
          });
}

void verify(actor_t* self, const std::string& cid_bytes, const cid& c) {
  auto& st = self->state;
  auto* j = st.book->job(cid_bytes);
  if (!j)
    return;
  st.book->set_phase(cid_bytes, job_phase::verifying);
  uint64_t declared = j->size;
  std::string root = j->proof_root;
  // Reading at 20 MB/s is slow for any disk; past that the worker is considered stuck.
  auto limit = std::chrono::seconds(600 + declared / (20u << 20));
  auto worker = self->spawn<caf::detached>(verify_worker, st.cfg.store, st.cfg.local_store);
  self->request(worker, limit, mkt_verify_atom::value, c)
    .then(
      [=](uint64_t size, const std::string& real_root) {
        auto& st = self->state;
        if (!st.book->job(cid_bytes))
          return;
        if (size > declared)
          return abandon(self, cid_bytes,
                         "declared size " + std::to_string(declared) + " is smaller than the file's " +
                           std::to_string(size) + " bytes",
                         true);
        if (size != declared)
          return abandon(self, cid_bytes,
                         "declared size " + std::to_string(declared) + " is larger than the file's " +
                           std::to_string(size) + " bytes",
                         true);
        if (real_root != root)
          return abandon(self, cid_bytes,
                         "proof root mismatch: the order declares " + chain::to_hex(root) +
                           ", the file's bytes give " + chain::to_hex(real_root),
                         true);
        log::info(component, "took " + cid_text(cid_bytes) + " (" + std::to_string(size) + " bytes, verified)");
        publish(self, "replica_added", cid_text(cid_bytes) + " (" + std::to_string(size) + " bytes, verified)");
        st.book->verified(cid_bytes, size, st.last_seen_height);
        tell_prover(self, cid_bytes, size);
      },
      [=](caf::error& e) {
        auto err = from_caf(e);
        if (!self->state.book->job(cid_bytes))
          return;
        if (err.code == errc::invalid_input || err.code == errc::unsupported || err.code == errc::corrupt)
          abandon(self, cid_bytes, "cannot compute the file's proof root: " + err.message, true);
        else
          release(self, cid_bytes, "verification failed: " + err.describe());
      });
}

void pin(actor_t* self, const std::string& cid_bytes, const cid& c) {
  auto& st = self->state;
  st.book->set_phase(cid_bytes, job_phase::pinning);
  auto store = resolve(st.cfg.store);
  if (!store)
    return release(self, cid_bytes, "the block store is not running");
  pin_query q;
  q.type = static_cast<uint8_t>(pin_type::recursive);
  q.which.push_back(c);
  self->request(store, store_timeout, pin_ls_atom::value, std::move(q))
    .then(
      [=](std::vector<pin_entry>& pins) {
        bool pinned = std::any_of(pins.begin(), pins.end(), [&](const pin_entry& e) {
          return e.cid == c && e.type == static_cast<uint8_t>(pin_type::recursive);
        });
        if (pinned) // somebody's pin already keeps it: leave its name alone
          return verify(self, cid_bytes, c);
        auto store = resolve(self->state.cfg.store);
        if (!store)
          return release(self, cid_bytes, "the block store is not running");
        pin_request req{c, static_cast<uint8_t>(pin_type::recursive), market_pin_name, 0};
        self->request(store, store_timeout, pin_add_atom::value, std::move(req))
          .then([=](bool) { verify(self, cid_bytes, c); },
                [=](caf::error& e) { release(self, cid_bytes, "pin failed: " + from_caf(e).describe()); });
      },
      [=](caf::error& e) { release(self, cid_bytes, "pin listing failed: " + from_caf(e).describe()); });
}

// One fetch_dag of the job's DAG. A CID no connected peer has yet is asked again every second
// until the fetch timeout has passed since the job started (the content may still be on its
// way into the cluster); a fetch that stalls for the timeout fails at once.
void fetch(actor_t* self, const std::string& cid_bytes) {
  auto& st = self->state;
  auto* j = st.book->job(cid_bytes);
  if (!j)
    return;
  auto c = cid::from_bytes(cid_bytes);
  if (!c)
    return abandon(self, cid_bytes, "the order's CID is not a valid CID: " + c.err().message, false);
  auto ex = resolve(st.cfg.exchange);
  if (!ex)
    return release(self, cid_bytes, "the block exchange is not running");
  auto timeout = st.cfg.fetch_timeout;
  // The exchange enforces the no-progress timeout; this one only catches an exchange that died.
  auto outer = std::chrono::seconds(24 * 3600);
  auto id = *c;
  self->request(ex, outer, fetch_dag_atom::value, id, static_cast<uint64_t>(timeout.count()))
    .then([=](uint64_t blocks) {
            if (!self->state.book->job(cid_bytes))
              return;
            self->state.book->set_phase(cid_bytes, job_phase::pinning, blocks);
            pin(self, cid_bytes, id);
          },
          [=](caf::error& e) {
            auto* j = self->state.book->job(cid_bytes);
            if (!j)
              return;
            auto err = from_caf(e);
            uint64_t now = now_unix_ms();
            bool time_left = now < j->started_ms + static_cast<uint64_t>(timeout.count());
            if (err.code == errc::not_found && time_left) {
              self->delayed_send(self, std::chrono::seconds(1), mkt_tick_atom::value, cid_bytes);
              return;
            }
            if (err.code == errc::not_found || err.code == errc::unavailable)
              abandon(self, cid_bytes,
                      "not found in the cluster within " + seconds_text(timeout) + ": " + err.message, true);
            else
              release(self, cid_bytes, "fetch failed: " + err.describe());
          });
}

void start_job(actor_t* self, const market::fetch_job& j) {
  log::info(component, "taking " + cid_text(j.cid) + " (" + std::to_string(j.size) + " bytes declared)");
  publish(self, "order_taken", cid_text(j.cid) + " (" + std::to_string(j.size) + " bytes declared)");
  fetch(self, j.cid);
}

// --- the order policy (--market-policy)

void policy_problem(actor_t* self, const std::string& what) {
  auto& st = self->state;
  if (st.policy_error != what) // once per change, not once per order and scan
    log::warning(component, what);
  st.policy_error = what;
}

void ask_policy(actor_t* self, const caf::actor& policy, const market::fetch_job& j) {
  auto& st = self->state;
  st.book->set_phase(j.cid, job_phase::asking);
  order_offer offer;
  offer.cid = cid_text(j.cid);
  offer.size = j.size;
  offer.max_replicas = st.scan.max_replicas;
  offer.slot = market::slot_of(st.scan.height, std::max<uint64_t>(1, st.scan.slot_blocks));
  if (auto f = st.scan.files.find(j.cid); f != st.scan.files.end()) {
    offer.replicas = f->second.replicas;
    offer.expires_at = f->second.expiry_height;
    offer.pool = f->second.pool;
  }
  // offer.owner stays empty: the chain's file record does not keep who placed the order.
  ++st.policy_asked;
  auto cid_bytes = j.cid;
  auto slot = offer.slot;
  auto name = st.cfg.policy_name;
  self->request(policy, st.cfg.policy_timeout, mkt_ask_atom::value, std::move(offer))
    .then(
      [=](order_decision& d) {
        auto& st = self->state;
        auto* job = st.book->job(cid_bytes);
        if (!job || job->phase != job_phase::asking)
          return;
        st.policy_error.clear();
        if (d.take) {
          ++st.policy_approved;
          job->phase = job_phase::fetching;
          return start_job(self, *job);
        }
        ++st.policy_declined;
        auto reason = d.reason.empty() ? std::string("declined by ") + name + " (no reason given)" : d.reason;
        auto known = st.book->declined().find(cid_bytes);
        if (known == st.book->declined().end() || known->second.reason != reason)
          log::info(component, "order policy " + name + " declined " + cid_text(cid_bytes) + ": " + reason);
        st.book->decline(cid_bytes, reason, slot, st.last_seen_height);
      },
      [=](caf::error& e) {
        auto* job = self->state.book->job(cid_bytes);
        if (!job || job->phase != job_phase::asking)
          return;
        self->state.book->release(cid_bytes);
        policy_problem(self, "order policy '" + name + "' did not answer about " + cid_text(cid_bytes) + ": " +
                               self->system().render(e) + "; asked again in the next scan");
      });
}

// --- scanning the chain

void finish_scan(actor_t* self) {
  auto& st = self->state;
  st.scanning = false;
  st.last_error.clear();
  ++st.scans;
  auto& s = st.scan;
  st.last_scan_height = s.height;
  st.scanned_height = s.height;
  st.scanned_files = s.files.size();
  for (auto& d : st.book->reconcile(s))
    drop_file(self, d);
  for (auto& c : st.book->unclaimed())
    tell_prover(self, c, st.book->held().at(c).size);
  auto plan = st.book->plan_takes(s, st.cfg.node_key, st.cfg.capacity, disk_free(st.cfg.data_dir), st.cfg.margin,
                                  now_unix_ms());
  st.last_counts = plan.counts;
  if (st.cfg.policy_name.empty()) {
    for (auto& j : plan.take)
      start_job(self, j);
  } else if (auto policy = resolve(st.cfg.order_policy); !policy) {
    // Without its policy the node must not take what the policy might refuse.
    for (auto& j : plan.take)
      st.book->release(j.cid);
    if (!plan.take.empty())
      policy_problem(self, "order policy '" + st.cfg.policy_name +
                             "' (--market-policy) is not running: the market takes no orders until it runs");
  } else {
    for (auto& j : plan.take)
      ask_policy(self, policy, j);
  }
  if (st.again) {
    st.again = false;
    scan_now(self);
  }
}

void scan_set(actor_t* self, std::string after) {
  auto chain = resolve(self->state.cfg.chain);
  if (!chain)
    return fail_scan(self, "the validator is not running; no orders are looked at");
  std::string prefix = market::node_file_key(self->state.cfg.node_key);
  self->request(chain, self->state.cfg.chain_timeout, chain_scan_atom::value, prefix, after, scan_page)
    .then(
      [=](chain_scan_reply& r) {
        auto& s = self->state.scan;
        for (size_t i = 0; i < r.keys.size() && i < r.values.size(); ++i) {
          auto size = chain::decode_u64(r.values[i]);
          if (!size || r.keys[i].size() <= prefix.size())
            return fail_scan(self, "bad entry in this node's file set on the chain: " +
                                     (size ? std::string("short key") : size.err().message));
          s.node_set[r.keys[i].substr(prefix.size())] = *size;
        }
        if (r.keys.size() < scan_page)
          return finish_scan(self);
        scan_set(self, r.keys.back());
      },
      [=](caf::error& e) { fail_scan(self, "scanning this node's file set failed: " + from_caf(e).message); });
}

void scan_files(actor_t* self, std::string after) {
  auto chain = resolve(self->state.cfg.chain);
  if (!chain)
    return fail_scan(self, "the validator is not running; no orders are looked at");
  self->request(chain, self->state.cfg.chain_timeout, chain_scan_atom::value, market::file_key({}), after, scan_page)
    .then(
      [=](chain_scan_reply& r) {
        auto& st = self->state;
        auto& s = st.scan;
        s.height = std::max(s.height, r.height);
        for (size_t i = 0; i < r.keys.size() && i < r.values.size(); ++i) {
          std::string c = r.keys[i].substr(1);
          auto rec = market::decode_file_record(r.values[i]);
          if (!rec) {
            // One bad record must not stop the market: skip it and say so.
            log::warning(component, "skipping the unreadable file record of " + cid_text(c) + ": " +
                                      rec.err().message);
            continue;
          }
          market::file_view v;
          v.cid = c;
          v.size = rec->size;
          v.live = rec->status == market::file_status::live;
          v.expiry_height = rec->expiry_height;
          v.replicas = static_cast<uint32_t>(rec->replicas.size());
          v.pool = rec->pool;
          v.replica_here = std::any_of(rec->replicas.begin(), rec->replicas.end(),
                                       [&](const auto& rp) { return rp.node_key == st.cfg.node_key; });
          s.roots[c] = rec->proof_root;
          s.files[c] = std::move(v);
        }
        if (r.keys.size() < scan_page)
          return scan_set(self, {});
        scan_files(self, r.keys.back());
      },
      [=](caf::error& e) { fail_scan(self, "scanning the chain's file records failed: " + from_caf(e).message); });
}

void scan_now(actor_t* self) {
  auto& st = self->state;
  if (st.scanning) {
    st.again = true;
    return;
  }
  auto chain = resolve(st.cfg.chain);
  if (!chain)
    return fail_scan(self, "the validator is not running; no orders are looked at");
  st.scanning = true;
  st.scan = chain_snapshot{};
  self->request(chain, st.cfg.chain_timeout, chain_read_atom::value, std::vector<std::string>{std::string(1, 'P')})
    .then(
      [=](chain_read_reply& r) {
        auto& st = self->state;
        if (r.found.empty() || !r.found[0])
          return fail_scan(self, "the chain has no parameters record yet");
        auto p = chain::decode_params(r.values[0]);
        if (!p)
          return fail_scan(self, "cannot read the chain parameters: " + p.err().message);
        st.slot_blocks = std::max<uint64_t>(1, p->slot_blocks);
        st.scan.height = r.height;
        st.scan.slot_blocks = st.slot_blocks;
        st.scan.max_replicas = static_cast<uint32_t>(p->max_replicas);
        scan_files(self, {});
      },
      [=](caf::error& e) { fail_scan(self, "reading the chain parameters failed: " + from_caf(e).message); });
}

// Scans a few times per slot: every quarter slot, and at once on market events.
void on_event(actor_t* self, const node_event& ev) {
  auto& st = self->state;
  st.last_seen_height = std::max(st.last_seen_height, ev.height);
  if (ev.kind == "order_live" || ev.kind == "replica_lost" || ev.kind == "work_report")
    return scan_now(self);
  if (ev.kind != "block")
    return;
  uint64_t every = std::max<uint64_t>(1, st.slot_blocks / 4);
  if (st.scans == 0 || ev.height >= st.last_scan_height + every)
    scan_now(self);
}

// --- status

std::string status_json(actor_t* self) {
  auto& st = self->state;
  auto& b = *st.book;
  using nlohmann::json;
  uint64_t now = now_unix_ms();
  json taken = json::array();
  for (const auto& [c, h] : b.held())
    taken.push_back({{"cid", cid_text(c)}, {"size", h.size}, {"reported", h.reported},
                     {"claimed", h.told_prover}, {"since_height", h.since_height}});
  json fetching = json::array();
  for (const auto& [c, j] : b.jobs())
    fetching.push_back({{"cid", cid_text(c)}, {"size", j.size}, {"phase", market::to_string(j.phase)},
                        {"blocks", j.blocks}, {"blocks_known", j.blocks_known}, {"elapsed_ms", now > j.started_ms ? now - j.started_ms : 0},
                        {"since_height", j.height}});
  json abandoned = json::array();
  for (const auto& a : b.abandoned())
    abandoned.push_back({{"cid", cid_text(a.cid)}, {"size", a.size}, {"reason", a.reason}, {"height", a.height}});
  json lost = json::array();
  for (const auto& [c, slot] : b.lost())
    lost.push_back({{"cid", cid_text(c)}, {"slot", slot}});
  json counts = json::object();
  for (const auto& [v, n] : st.last_counts)
    counts[market::to_string(v)] = n;
  json declined = json::array();
  for (const auto& [c, d] : b.declined())
    declined.push_back({{"cid", cid_text(c)}, {"reason", d.reason}, {"slot", d.slot}, {"height", d.height}});
  json policy = {{"name", st.cfg.policy_name}, {"asked", st.policy_asked}, {"approved", st.policy_approved},
                 {"declined_total", st.policy_declined}, {"declined", declined}, {"error", st.policy_error}};
  if (!st.cfg.policy_name.empty())
    policy["running"] = static_cast<bool>(resolve(st.cfg.order_policy));
  const auto& o = b.options();
  uint64_t free_disk = disk_free(st.cfg.data_dir);
  json out = {
    {"node_key", chain::to_hex(st.cfg.node_key)},
    {"taken", taken},
    {"fetching", fetching},
    {"abandoned", abandoned},
    {"lost", lost},
    {"last_scan", {{"height", st.scanned_height}, {"files", st.scanned_files}, {"scans", st.scans},
                   {"verdicts", counts}, {"error", st.last_error}}},
    {"policy", policy},
    {"capacity", {{"configured", st.cfg.capacity}, {"held_bytes", b.held_bytes()},
                  {"fetching_bytes", b.fetching_bytes()},
                  {"free", market::free_capacity(st.cfg.capacity, free_disk, st.cfg.margin, b.held_bytes(),
                                                 b.fetching_bytes())}}},
    {"options", {{"take_ppm", o.take_ppm}, {"min_slots_left", o.min_slots_left},
                 {"max_fetches", o.max_fetches}, {"lost_cooldown_slots", o.lost_cooldown_slots},
                 {"fetch_timeout_ms", st.cfg.fetch_timeout.count()}, {"capacity", st.cfg.capacity},
                 {"margin", st.cfg.margin}}},
  };
  return out.dump();
}

caf::behavior market_actor(actor_t* self, market_actor_config cfg) {
  auto& st = self->state;
  st.book = std::make_unique<market::market_book>(cfg.policy);
  st.cfg = std::move(cfg);
  st.events = self->system().groups().get_local(node_event_group);
  self->join(st.events);
  self->send(self, mkt_tick_atom::value);
  log::info(component, "market running: take-ppm " + std::to_string(st.cfg.policy.take_ppm) + ", capacity " +
                         (st.cfg.capacity ? std::to_string(st.cfg.capacity) + " bytes" : std::string("automatic")) +
                         ", fetch timeout " + seconds_text(st.cfg.fetch_timeout));
  return with_mailbox_probe(self, {
    [=](const node_event& ev) { on_event(self, ev); },
    [=](mkt_tick_atom, const std::string& cid_bytes) { fetch(self, cid_bytes); }, // a fetch retry
    [=](mkt_tick_atom) {
      // The fallback when no block events arrive (validator restarting, chain stalled).
      scan_now(self);
      self->delayed_send(self, self->state.cfg.rescan_interval, mkt_tick_atom::value);
    },
    [=](market_status_atom) -> caf::typed_response_promise<std::string> {
      // Fresh fetch progress from the exchange first (at most max_fetches short requests).
      auto rp = std::make_shared<caf::typed_response_promise<std::string>>(
        self->make_response_promise<std::string>());
      auto ex = resolve(self->state.cfg.exchange);
      std::vector<std::string> fetching;
      for (const auto& [c, j] : self->state.book->jobs())
        if (j.phase == job_phase::fetching)
          fetching.push_back(c);
      if (!ex || fetching.empty()) {
        rp->deliver(status_json(self));
        return *rp;
      }
      auto pending = std::make_shared<size_t>(fetching.size());
      auto done = [self, rp, pending] {
        if (--*pending == 0)
          rp->deliver(status_json(self));
      };
      for (const auto& c : fetching) {
        auto id = cid::from_bytes(c);
        if (!id) {
          done();
          continue;
        }
        self->request(ex, std::chrono::seconds(2), fetch_dag_atom::value, *id)
          .then([=](uint64_t fetched, uint64_t known) {
                  self->state.book->set_progress(c, fetched, known);
                  done();
                },
                [=](caf::error&) { done(); });
      }
      return *rp;
    },
  });
}

} // namespace

caf::actor spawn_market_actor(caf::actor_system& sys, market_actor_config cfg) {
  return sys.spawn(market_actor, std::move(cfg));
}

} // namespace mantle
