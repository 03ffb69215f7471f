#include "actors/credit/credit_ledger_actor.hpp"

#include <caf/all.hpp>

#include <map>
#include <optional>
#include <random>
#include <stdexcept>

#include "actors/credit/chain_trust.hpp"
#include "actors/credit/credit_policy.hpp"
#include "actors/market/reply_view.hpp"
#include "actors/validator/validator_actor.hpp"
#include "config/log.hpp"
#include "messages/block_store.hpp" // fault_atom
#include "messages/credit.hpp"
#include "messages/errors.hpp"
#include "messages/events.hpp"
#include "messages/market.hpp"
#include "messages/validator.hpp"
#include "storage/credit_store.hpp"
#include "actors/introspection.hpp"

namespace mantle {
namespace {

constexpr const char* component = "ledger";
using clock_type = credit::serve_queue::clock;

credit::credit_policy::random_bits make_random(uint64_t seed) {
  if (seed == 0)
    seed = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
  auto gen = std::make_shared<std::mt19937_64>(seed);
  return [gen] { return (*gen)(); };
}

struct ledger_state {
  std::shared_ptr<credit_store> store;
  std::unique_ptr<credit::credit_policy> policy;
  std::unique_ptr<credit::serve_queue> queue;
  std::map<uint64_t, caf::response_promise> waiting; // queued may_serve requests by ticket
  uint64_t next_ticket = 1;
  bool flush_scheduled = false;
  std::optional<clock_type::time_point> release_at; // earliest pending cr_release
  bool trust_refreshing = false;                    // a chain read is in flight
  std::vector<std::pair<std::string, market::node_report>> reports; // scan in progress

  // Saves the changed counters in one transaction; on failure they stay marked and go with
  // the next batch.
  void flush() {
    if (!store || !policy || !policy->has_changes())
      return;
    if (auto s = store->save(policy->changed()); !s) {
      log::error(component, "cannot save credit counters: " + s.err().message);
      return;
    }
    policy->clear_changed();
  }

  // Also runs when the actor dies of an exception, so a crash loses nothing already counted.
  ~ledger_state() { flush(); }

  static inline const char* name = "credit-ledger";
};

using ledger_actor = caf::stateful_actor<ledger_state>;

void schedule_flush(ledger_actor* self, std::chrono::milliseconds interval) {
  if (self->state.flush_scheduled)
    return;
  self->state.flush_scheduled = true;
  self->delayed_send(self, interval, cr_flush_atom::value);
}

// Asks for a cr_release when the next queued request can go; an earlier pending one stays.
void schedule_release(ledger_actor* self, clock_type::time_point now) {
  auto& st = self->state;
  auto wait = st.queue->next_release(now);
  if (!wait)
    return;
  auto at = now + *wait;
  if (st.release_at && *st.release_at <= at)
    return;
  st.release_at = at;
  self->delayed_send(self, std::chrono::duration_cast<std::chrono::microseconds>(*wait), cr_release_atom::value);
}

constexpr auto chain_ask_timeout = std::chrono::seconds(10);
constexpr uint32_t report_page = 1024;

void trust_done(ledger_actor* self, uint64_t slot, bool ok) {
  auto& st = self->state;
  st.trust_refreshing = false;
  if (!ok)
    return; // keep the last set: a slow validator should not drop trust in proven nodes
  auto peers = credit::proven_peers(st.reports, slot);
  st.reports.clear();
  if (peers != st.policy->chain_trusted())
    log::info(component, std::to_string(peers.size()) + " peers trusted for a recent proven work report");
  st.policy->set_chain_trusted(std::move(peers));
}

// Reads the chain's 'R' records a page at a time, then trusts the recently proven nodes.
void scan_reports(ledger_actor* self, caf::actor validator, uint64_t slot, std::string after) {
  self->request(validator, chain_ask_timeout, chain_scan_atom::value, std::string(1, market::table::node_report), after, report_page)
    .then(
      [=](chain_scan_reply& page) {
        market::reply_view view;
        view.put_all(page.keys, page.values);
        for (const auto& key : page.keys) {
          auto r = market::read_node_report(view, key.substr(1));
          if (!r || !*r) {
            log::warning(component, "cannot read a work report record from the chain: " +
                                      (r ? std::string("absent") : r.err().message));
            continue;
          }
          self->state.reports.emplace_back(key.substr(1), **r);
        }
        if (page.keys.size() == report_page)
          scan_reports(self, validator, slot, page.keys.back());
        else
          trust_done(self, slot, true);
      },
      [=](caf::error& e) {
        log::debug(component, "chain trust: scan failed: " + self->system().render(e));
        self->state.reports.clear();
        trust_done(self, slot, false);
      });
}

void refresh_trust(ledger_actor* self) {
  auto& st = self->state;
  if (st.trust_refreshing)
    return;
  auto v = caf::actor_cast<caf::actor>(self->system().registry().get(caf::atom_from_string(validator_name)));
  if (!v)
    return; // no chain (yet): the configured trusted peers only
  st.trust_refreshing = true;
  st.reports.clear();
  self->request(v, chain_ask_timeout, chain_read_atom::value, std::vector<std::string>{market::slot_key()})
    .then(
      [=](chain_read_reply& r) {
        market::reply_view view;
        view.put_all({market::slot_key()}, r.values, r.found);
        auto slot = market::read_slot(view);
        if (!slot) {
          log::warning(component, "chain trust: cannot read the current slot: " + slot.err().message);
          return trust_done(self, 0, false);
        }
        scan_reports(self, v, slot->slot, {});
      },
      [=](caf::error& e) {
        log::debug(component, "chain trust: read failed: " + self->system().render(e));
        trust_done(self, 0, false);
      });
}

void answer(ledger_actor* self, const std::vector<uint64_t>& tickets, bool serve) {
  for (auto t : tickets) {
    auto it = self->state.waiting.find(t);
    if (it == self->state.waiting.end())
      continue;
    it->second.deliver(serve);
    self->state.waiting.erase(it);
  }
}

caf::behavior credit_ledger(ledger_actor* self, credit_ledger_config cfg) {
  auto& st = self->state;
  st.store = cfg.store;
  st.policy = std::make_unique<credit::credit_policy>(cfg.trusted, make_random(cfg.seed), cfg.credit_unit);
  st.queue = std::make_unique<credit::serve_queue>(cfg.limits);
  if (st.store) {
    auto loaded = st.store->load_all();
    if (!loaded) {
      // Starting from zero would forgive every debt; failing lets the supervisor decide.
      log::error(component, "cannot load credit counters: " + loaded.err().message);
      self->quit(to_caf(loaded.err()));
      return {};
    }
    log::debug(component, "loaded credit counters of " + std::to_string(loaded->size()) + " peers");
    st.policy->load(std::move(*loaded));
  }
  self->set_exit_handler([self](caf::exit_msg& msg) {
    // Queued requests get an explicit answer instead of waiting for their timeout.
    auto& s = self->state;
    for (auto& kv : s.waiting)
      kv.second.deliver(to_caf(make_error(errc::unavailable, "credit ledger stopping")));
    s.waiting.clear();
    s.flush();
    self->quit(msg.reason);
  });
  auto interval = cfg.flush_interval;
  auto trust_interval = cfg.chain_trust_interval;
  if (trust_interval.count() > 0) {
    self->join(self->system().groups().get_local(node_event_group));
    self->send(self, cr_trust_atom::value);
  }
  return with_mailbox_probe(self, {
    [=](cr_trust_atom) {
      refresh_trust(self);
      self->delayed_send(self, trust_interval, cr_trust_atom::value);
    },
    // A node's work report landed: its standing may have changed.
    [=](const node_event& e) {
      if (e.kind == "work_report")
        refresh_trust(self);
    },
    [=](record_atom, const std::string& peer, uint64_t sent, uint64_t received) {
      self->state.policy->record(peer, sent, received);
      schedule_flush(self, interval);
    },
    [=](may_serve_atom, const std::string& peer, uint64_t bytes) -> caf::result<bool> {
      auto& s = self->state;
      auto v = s.policy->decide(peer, bytes);
      if (v != credit::verdict::serve) {
        log::debug(component, peer + ": " + credit::to_string(v));
        return false;
      }
      if (s.policy->is_trusted(peer))
        return true; // serve-rate applies to untrusted peers only
      schedule_flush(self, interval); // which also ages the promise decide() just made
      auto now = clock_type::now();
      auto ticket = s.next_ticket++;
      switch (s.queue->submit(peer, bytes, ticket, now)) {
        case credit::serve_queue::outcome::serve_now:
          return true;
        case credit::serve_queue::outcome::queue_full:
          return to_caf(make_error(errc::unavailable,
                                   "refused: queue full (peer " + peer + " has " + std::to_string(s.queue->queued(peer)) +
                                     " requests waiting; at most " + std::to_string(s.queue->options().max_per_peer) +
                                     " or " + std::to_string(s.queue->options().max_wait.count()) + " ms of serve-rate)"));
        case credit::serve_queue::outcome::queued:
          break;
      }
      auto rp = self->make_response_promise();
      s.waiting.emplace(ticket, rp);
      schedule_release(self, now);
      return rp;
    },
    [=](ledger_atom) { return self->state.policy->entries(); },
    [=](cut_atom, const std::string& peer) {
      auto& s = self->state;
      if (!s.policy->is_cut(peer))
        log::warning(component, "credit of peer " + peer + " cut: it will not be served again until restart");
      s.policy->cut(peer);
      answer(self, s.queue->drop(peer), false);
    },
    [=](cr_release_atom) {
      auto& s = self->state;
      auto now = clock_type::now();
      if (s.release_at && *s.release_at <= now)
        s.release_at.reset();
      answer(self, s.queue->release(now), true);
      schedule_release(self, now);
    },
    // Fault injection for supervision drills (mantle/diag/fault?arg=ledger).
    [=](fault_atom) -> bool { throw std::runtime_error("fault injected into the credit ledger"); },
    [=](cr_flush_atom) {
      self->state.flush_scheduled = false;
      self->state.policy->age_promises();
      if (self->state.policy->promised_any())
        schedule_flush(self, interval); // so old promises keep expiring while nothing is recorded
      self->state.flush();
      if (self->state.policy->has_changes()) // the save failed: try again later
        schedule_flush(self, interval);
    },
  });
}

} // namespace

caf::actor spawn_credit_ledger(caf::actor_system& sys, credit_ledger_config cfg) {
  return sys.spawn<caf::detached>(credit_ledger, std::move(cfg));
}

} // namespace mantle
