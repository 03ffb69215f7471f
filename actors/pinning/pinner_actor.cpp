#include "actors/pinning/pinner_actor.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <stdexcept>

#include "actors/gateway/actor_backend.hpp"
#include "config/log.hpp"
#include "messages/block_store.hpp"
#include "messages/pinner.hpp"
#include "storage/rfc3339.hpp"

namespace mantle {
namespace {

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
  st.worker = std::make_unique<psa::pinner>(*st.backend, *st.store, cfg.options);
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
  return {
    [=](psa_tick_atom) {
      self->state.tick_pending = false;
      pass();
    },
    [=](psa_wake_atom) { pass(); },
    [=](fault_atom) -> bool { throw std::runtime_error("fault injected into pinner"); },
  };
}

} // namespace

caf::actor spawn_pinner(caf::actor_system& sys, pinner_config cfg) {
  return sys.spawn<caf::detached>(pinner_actor, std::move(cfg));
}

} // namespace mantle
