#include "actors/pinning/pinner_actor.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "actors/gateway/actor_backend.hpp"
#include "actors/gateway/order_routes.hpp"
#include "actors/market/market_rules.hpp"
#include "actors/market/order_status.hpp"
#include "actors/market/order_terms.hpp"
#include "actors/market/reply_view.hpp"
#include "actors/validator/chain_types.hpp"
#include "config/log.hpp"
#include "messages/block_store.hpp"
#include "messages/pinner.hpp"
#include "storage/rfc3339.hpp"
#include "actors/introspection.hpp"

namespace mantle {
namespace {

// The pinner's way to the chain: orders for files pinned here, their state, their txs.
psa::order_hooks chain_hooks(caf::actor_system& sys, node_backend& node) {
  auto validator = std::make_shared<order_chain>(validator_order_chain(sys));
  psa::order_hooks h;
  h.place = [validator, &node](const cid& c) -> result<std::string> {
    auto stored = node.has_block(c);
    if (!stored)
      return stored.err();
    auto terms = market::settle_order_terms(node.blocks(), c, *stored, std::nullopt, std::nullopt);
    if (!terms)
      return terms.err();
    order_request req; // account "": the node's first keystore account
    req.cid = c.bytes();
    req.size = terms->size;
    req.proof_root.assign(terms->root.begin(), terms->root.end());
    return validator->place(req);
  };
  h.status = [validator](const cid& c) -> result<psa::order_state> {
    std::vector<std::string> keys{market::file_key(c.bytes())};
    auto reply = validator->read(keys);
    if (!reply)
      return reply.err();
    market::reply_view view;
    view.put_all(keys, reply->values, reply->found);
    auto f = market::read_file(view, c.bytes());
    if (!f)
      return f.err();
    psa::order_state o;
    if (*f) {
      o.exists = true;
      o.live = std::string(market::order_state(**f, reply->height)) == "live";
      o.proven_replicas = market::proven_replicas(**f);
    }
    return o;
  };
  h.tx = [validator](const std::string& hash_hex) -> result<psa::tx_state> {
    auto raw = chain::from_hex(hash_hex);
    if (!raw)
      return make_error(errc::invalid_input, "bad tx hash " + hash_hex);
    auto text = validator->tx(*raw);
    if (!text)
      return text.err();
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (!j.is_object())
      return make_error(errc::unavailable, "the validator's tx answer is not JSON");
    psa::tx_state t;
    t.pending = j.value("pending", true);
    t.ok = j.value("ok", false);
    t.reason = j.value("reason", std::string());
    return t;
  };
  return h;
}

struct pinner_state {
  std::shared_ptr<psa::psa_store> store; // outlives worker (declared before it)
  std::unique_ptr<node_backend> backend;
  std::unique_ptr<psa::pinner> worker;
  bool tick_pending = false;
  static inline const char* name = "pinner";
};

caf::behavior pinner_actor(caf::stateful_actor<pinner_state>* self, pinner_config cfg) {
  auto& sys = self->system();
  auto& st = self->state;
  st.backend = make_actor_backend(sys, registry_resolver(sys, cfg.store_name), cfg.id, cfg.local_store);
  st.store = cfg.store;
  psa::order_hooks hooks;
  if (cfg.options.min_replicas > 0)
    hooks = chain_hooks(sys, *st.backend);
  st.worker = std::make_unique<psa::pinner>(*st.backend, *st.store, cfg.options, std::move(hooks));
  auto retry = cfg.options.retry_interval;
  // One pass, then one timer for the earliest due retry (never later than the interval).
  auto pass = [self, retry] {
    auto& s = self->state;
    uint64_t now = now_unix_ms();
    auto rep = s.worker->run(now);
    std::chrono::milliseconds delay = retry;
    if (!rep) {
      log::error("pinner", "pass over the pin queue failed: " + rep.err().describe());
    } else {
      if (rep->pinned > 0 || rep->failed > 0)
        log::info("pinner", std::to_string(rep->pinned) + " pinned, " + std::to_string(rep->failed) + " failed");
      if (rep->next_due_ms)
        delay = std::min(retry, std::chrono::milliseconds(*rep->next_due_ms > now ? *rep->next_due_ms - now : 0));
    }
    if (!s.tick_pending) {
      s.tick_pending = true;
      self->delayed_send(self, std::max(delay, std::chrono::milliseconds(1)), psa_tick_atom::value);
    }
  };
  // The first pass resumes whatever a previous run left queued or pinning.
  self->send(self, psa_tick_atom::value);
  st.tick_pending = true;
  log::info("pinner", "pinning service queue running (retry every " + std::to_string(retry.count()) +
                        " ms, timeout " + std::to_string(cfg.options.timeout.count()) + " ms)");
  return with_mailbox_probe(self, {
    [=](psa_tick_atom) {
      self->state.tick_pending = false;
      pass();
    },
    [=](psa_wake_atom) { pass(); },
    [=](fault_atom) -> bool { throw std::runtime_error("fault injected into pinner"); },
  });
}

} // namespace

caf::actor spawn_pinner(caf::actor_system& sys, pinner_config cfg) {
  return sys.spawn<caf::detached>(pinner_actor, std::move(cfg));
}

} // namespace mantle
