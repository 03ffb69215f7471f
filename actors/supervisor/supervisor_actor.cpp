#include "actors/supervisor/supervisor_actor.hpp"

#include <algorithm>
#include <exception>
#include <memory>
#include <optional>

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>
#include <caf/group.hpp>
#include <caf/response_promise.hpp>

#include "actors/actor_name.hpp"
#include "actors/supervisor/restart_policy.hpp"
#include "config/log.hpp"
#include "messages/errors.hpp"
#include "messages/events.hpp"
#include "messages/node_types.hpp"
#include "messages/supervisor.hpp"
#include "net/metrics.hpp"

namespace mantle {

namespace {

constexpr const char* component = "supervisor";

counter_family restart_counter() {
  return global_metrics().counter("mantle_actor_restarts_total", "Restarts of supervised actors, by child.",
                                  {"child"});
}

struct child_entry {
  child_spec spec;
  caf::actor handle; // invalid while not running
  uint64_t restarts = 0;
  std::string last_exit;
  // A restart an operator asked for (restart_atom): not a fault, so it is not counted against
  // the intensity limit, and the requester hears back once the new incarnation runs.
  bool restart_requested = false;
  std::vector<caf::response_promise> restart_waiters;
};

struct supervisor_state {
  std::vector<child_entry> children;
  supervisor_options opts;
  std::optional<restart_policy> policy;
  bool stopping = false;
  caf::error final_reason;      // what the supervisor quits with once all children are down
  caf::actor_addr awaiting;     // child currently asked to stop
  uint64_t stop_generation = 0; // tells current stop timeouts from stale ones

  caf::actor_system* system = nullptr;
  caf::group events; // node event group: every restart is published as "actor_restarted"

  static inline const char* name = "mantle.supervisor";

  supervisor_state() = default;
  supervisor_state(const supervisor_state&) = delete;
  supervisor_state& operator=(const supervisor_state&) = delete;
  // Runs however the supervisor ends, also when killed without its ordered stop: leave no
  // orphaned children and no stale registry entries behind.
  ~supervisor_state() {
    for (auto it = children.rbegin(); it != children.rend(); ++it) {
      if (!it->handle)
        continue;
      auto key = caf::atom_from_string(it->spec.name);
      if (system && system->registry().get<caf::actor>(key) == it->handle)
        system->registry().erase(key);
      caf::anon_send_exit(it->handle, caf::exit_reason::user_shutdown);
    }
  }
};

using supervisor_actor = caf::stateful_actor<supervisor_state>;

restart_policy::clock_ms now_ms(supervisor_actor* self) {
  // The actor clock, not the wall clock: the test coordinator controls it, and it never jumps.
  return std::chrono::duration_cast<restart_policy::clock_ms>(self->clock().now().time_since_epoch());
}

std::string describe(supervisor_actor* self, const caf::error& reason) {
  // An empty error (a child that called quit() without a reason) has no category to read.
  if (!reason)
    return "normal";
  if (reason.category() == caf::atom("mantle"))
    return from_caf(reason).describe();
  return self->system().render(reason);
}

void publish(supervisor_actor* self, std::string kind, std::string text) {
  if (self->state.events)
    self->send(self->state.events, node_event{std::move(kind), 0, std::move(text)});
}

void unregister(supervisor_actor* self, child_entry& c) {
  if (!c.handle)
    return;
  auto key = caf::atom_from_string(c.spec.name);
  // Only remove our own entry: something else may have taken the name meanwhile.
  if (self->system().registry().get<caf::actor>(key) == c.handle)
    self->system().registry().erase(key);
}

// Starts (or restarts) one child. On failure returns the reason as text.
std::optional<std::string> start_child(supervisor_actor* self, child_entry& c) {
  caf::actor h;
  try {
    h = c.spec.start(self->system());
  } catch (const std::exception& e) {
    return std::string("start threw: ") + e.what();
  } catch (...) {
    return std::string("start threw an unknown exception");
  }
  if (!h)
    return std::string("start returned no actor");
  self->monitor(h);
  self->system().registry().put(caf::atom_from_string(c.spec.name), h);
  c.handle = std::move(h);
  return std::nullopt;
}

void stop_next(supervisor_actor* self);

void begin_stop(supervisor_actor* self, caf::error reason) {
  auto& st = self->state;
  if (st.stopping)
    return;
  st.stopping = true;
  st.final_reason = std::move(reason);
  stop_next(self);
}

// Asks the last running child to stop; quits once none is left.
void stop_next(supervisor_actor* self) {
  auto& st = self->state;
  for (auto it = st.children.rbegin(); it != st.children.rend(); ++it) {
    if (!it->handle)
      continue;
    st.awaiting = it->handle.address();
    ++st.stop_generation;
    log::debug(component, "stopping child '" + it->spec.name + "'");
    self->send_exit(it->handle, caf::exit_reason::user_shutdown);
    self->delayed_send(self, st.opts.stop_timeout, stop_tmo_atom::value, st.stop_generation);
    return;
  }
  st.awaiting = caf::actor_addr{};
  log::info(component, "all children stopped");
  self->quit(st.final_reason);
}

void escalate(supervisor_actor* self, const std::string& why) {
  log::error(component, "escalating: " + why);
  begin_stop(self, to_caf(make_error(errc::unavailable, why)));
}

void on_child_down(supervisor_actor* self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto it = std::find_if(st.children.begin(), st.children.end(),
                         [&](const child_entry& c) { return c.handle && c.handle.address() == dm.source; });
  if (it == st.children.end())
    return; // a handle we already replaced or gave up on
  child_entry& c = *it;
  unregister(self, c);
  c.handle = nullptr;
  std::string reason = describe(self, dm.reason);
  if (st.stopping) {
    for (auto& w : c.restart_waiters)
      w.deliver(to_caf(make_error(errc::unavailable, "the node is stopping")));
    c.restart_waiters.clear();
    log::info(component, "child '" + c.spec.name + "' stopped (" + reason + ")");
    if (dm.source == st.awaiting)
      stop_next(self);
    return;
  }
  if (c.restart_requested) {
    c.restart_requested = false;
    ++c.restarts;
    restart_counter().with({c.spec.name}).inc();
    auto waiters = std::move(c.restart_waiters);
    c.restart_waiters.clear();
    if (auto failed = start_child(self, c)) {
      for (auto& w : waiters)
        w.deliver(to_caf(make_error(errc::unavailable, "child '" + c.spec.name + "' could not be restarted: " + *failed)));
      escalate(self, "child '" + c.spec.name + "' could not be restarted: " + *failed);
      return;
    }
    log::warning(component, "restarted child '" + c.spec.name + "' on request");
    publish(self, "actor_restarted", c.spec.name + " restarted on request (restart " + std::to_string(c.restarts) + ")");
    for (auto& w : waiters)
      w.deliver(caf::unit);
    return;
  }
  if (dm.reason == caf::exit_reason::normal) {
    log::info(component, "child '" + c.spec.name + "' finished normally; not restarting it");
    return;
  }
  c.last_exit = reason;
  log::warning(component, "child '" + c.spec.name + "' exited: " + reason);
  auto& policy = *st.policy;
  if (!policy.try_restart(now_ms(self))) {
    escalate(self, "child '" + c.spec.name + "' exited (" + reason + ") after " +
                       std::to_string(policy.max_restarts()) + " restarts within " +
                       std::to_string(policy.window().count()) + "ms; restart limit reached");
    return;
  }
  ++c.restarts;
  restart_counter().with({c.spec.name}).inc();
  if (auto failed = start_child(self, c)) {
    escalate(self, "child '" + c.spec.name + "' could not be restarted: " + *failed);
    return;
  }
  log::warning(component, "restarted child '" + c.spec.name + "' (restart " + std::to_string(c.restarts) +
                              " of this child, " + std::to_string(policy.total_restarts()) + " in total)");
  publish(self, "actor_restarted", c.spec.name + " exited (" + reason + ") and was restarted (restart " +
                                       std::to_string(c.restarts) + ")");
}

supervisor_stats make_stats(supervisor_actor* self) {
  auto& st = self->state;
  supervisor_stats s;
  s.restarts = st.policy->total_restarts();
  s.restarts_in_window = st.policy->restarts_in_window(now_ms(self));
  s.restart_limit = st.opts.restart_limit;
  s.restart_window_ms = st.opts.restart_window.count();
  for (const auto& c : st.children)
    s.children.push_back(child_status{c.spec.name, static_cast<bool>(c.handle), c.restarts, c.last_exit});
  return s;
}

caf::behavior supervisor_fun(supervisor_actor* self, std::vector<child_spec> specs, supervisor_options opts) {
  auto& st = self->state;
  st.opts = opts;
  st.system = &self->system();
  st.events = self->system().groups().get_local(node_event_group);
  st.policy.emplace(opts.restart_limit, opts.restart_window);
  for (auto& s : specs)
    st.children.push_back(child_entry{std::move(s), nullptr, 0, {}});
  for (auto& c : st.children)
    restart_counter().with({c.spec.name}); // exposed as 0 from the start, so rate() works

  self->set_down_handler([self](caf::down_msg& dm) { on_child_down(self, dm); });
  // Trapping exits turns an external stop request into an ordered shutdown of the children.
  self->set_exit_handler([self](caf::exit_msg& em) {
    log::info(component, "stop requested (" + describe(self, em.reason) + ")");
    begin_stop(self, em.reason ? em.reason : caf::error{caf::exit_reason::user_shutdown});
  });
  std::vector<std::string> seen;
  for (auto& c : st.children) {
    if (!valid_actor_name(c.spec.name) || !c.spec.start) {
      begin_stop(self, to_caf(make_error(errc::invalid_input, "invalid child spec '" + c.spec.name +
                                                                  "': names are 1-10 of [A-Za-z0-9_] and start must be set")));
      return {};
    }
    if (std::find(seen.begin(), seen.end(), c.spec.name) != seen.end()) {
      begin_stop(self, to_caf(make_error(errc::invalid_input, "duplicate child name '" + c.spec.name + "'")));
      return {};
    }
    seen.push_back(c.spec.name);
  }
  for (auto& c : st.children) {
    if (auto failed = start_child(self, c)) {
      // Keep the full behavior below: the ordered stop of the started children runs on it.
      escalate(self, "child '" + c.spec.name + "' failed to start: " + *failed);
      break;
    }
    log::info(component, "started child '" + c.spec.name + "'");
  }

  return {
    [self](whereis_atom, const std::string& name) -> caf::result<caf::actor> {
      for (auto& c : self->state.children) {
        if (c.spec.name != name)
          continue;
        if (!c.handle)
          return to_caf(make_error(errc::unavailable, "child '" + name + "' is not running"));
        return c.handle;
      }
      return to_caf(make_error(errc::not_found, "no child named '" + name + "'"));
    },
    [self](stats_atom) -> supervisor_stats { return make_stats(self); },
    [self](restart_atom, const std::string& name) -> caf::result<void> {
      auto& st = self->state;
      if (st.stopping)
        return to_caf(make_error(errc::unavailable, "the node is stopping"));
      for (auto& c : st.children) {
        if (c.spec.name != name)
          continue;
        if (!c.handle) { // finished normally earlier: start it again
          if (auto failed = start_child(self, c))
            return to_caf(make_error(errc::unavailable, "child '" + name + "' could not be started: " + *failed));
          ++c.restarts;
          publish(self, "actor_restarted", name + " started again on request");
          return caf::unit;
        }
        auto rp = self->make_response_promise();
        c.restart_waiters.push_back(rp);
        if (!c.restart_requested) {
          c.restart_requested = true;
          log::info(component, "restarting child '" + name + "' on request");
          self->send_exit(c.handle, to_caf(make_error(errc::unavailable, "restart requested by an operator")));
        }
        return rp;
      }
      return to_caf(make_error(errc::not_found, "no child named '" + name + "'"));
    },
    [self](stop_tmo_atom, uint64_t generation) {
      auto& st = self->state;
      if (!st.stopping || generation != st.stop_generation || !st.awaiting)
        return;
      for (auto& c : st.children) {
        if (!c.handle || c.handle.address() != st.awaiting)
          continue;
        log::warning(component, "child '" + c.spec.name + "' did not stop within " +
                                    std::to_string(st.opts.stop_timeout.count()) + "ms; killing it");
        self->send_exit(c.handle, caf::exit_reason::kill);
        unregister(self, c);
        c.handle = nullptr;
      }
      stop_next(self);
    },
  };
}

} // namespace

bool is_clean_shutdown(const caf::error& reason) {
  return !reason || reason == caf::exit_reason::normal || reason == caf::exit_reason::user_shutdown;
}

caf::actor spawn_supervisor(caf::actor_system& sys, std::vector<child_spec> children, supervisor_options opts) {
  return sys.spawn(supervisor_fun, std::move(children), opts);
}

} // namespace mantle
