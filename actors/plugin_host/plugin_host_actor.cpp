#include "actors/plugin_host/plugin_host_actor.hpp"
#include "actors/introspection.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <optional>

#include "actors/actor_name.hpp"
#include "actors/plugin_host/plugin_loader.hpp"
#include "actors/supervisor/restart_policy.hpp"
#include "config/log.hpp"
#include "messages/errors.hpp"
#include "messages/events.hpp"
#include "messages/node_types.hpp"
#include "messages/plugin.hpp"
#include "messages/plugin_api.hpp"
#include "net/metrics.hpp"

namespace mantle {

namespace {

constexpr const char* component = "plugins";
constexpr auto max_backoff = std::chrono::milliseconds(5000);

counter_family restart_counter() {
  return global_metrics().counter("mantle_plugin_restarts_total", "Restarts of plugin actors by the plugin host, by plugin.",
                                  {"plugin"});
}

struct plugin_entry {
  plugin_record rec;
  caf::actor handle; // invalid while not running
  std::optional<restart_policy> policy;
  uint64_t generation = 0; // tells a current restart timer from a stale one
  bool unloading = false;
  std::vector<caf::response_promise> unload_waiters;
};

struct host_state {
  plugin_host_config cfg;
  std::vector<plugin_entry> plugins;
  caf::group events;
  caf::actor_system* system = nullptr;
  bool stopping = false;
  caf::error stop_reason;
  static inline const char* name = "mantle.plugin_host";

  host_state() = default;
  host_state(const host_state&) = delete;
  host_state& operator=(const host_state&) = delete;
  // However the host ends (also killed or crashed): stop the plugin actors it started, so none
  // runs unsupervised; the next incarnation starts them again from the book.
  ~host_state() {
    for (auto& p : plugins) {
      if (!p.handle)
        continue;
      auto key = caf::atom_from_string(p.rec.name);
      if (system && system->registry().get<caf::actor>(key) == p.handle)
        system->registry().erase(key);
      caf::anon_send_exit(p.handle, caf::exit_reason::user_shutdown);
    }
  }
};

using host_actor = caf::stateful_actor<host_state>;

restart_policy::clock_ms now_ms(host_actor* self) {
  return std::chrono::duration_cast<restart_policy::clock_ms>(self->clock().now().time_since_epoch());
}

std::string describe(host_actor* self, const caf::error& reason) {
  if (!reason) // quit() without a reason; category() of an empty error is not safe to call
    return "normal";
  if (reason.category() == caf::atom("mantle"))
    return from_caf(reason).describe();
  return self->system().render(reason);
}

void publish(host_actor* self, const std::string& kind, const std::string& text) {
  if (self->state.events)
    self->send(self->state.events, node_event{kind, 0, text});
}

plugin_info info_of(const plugin_record& r) {
  return plugin_info{r.name, r.version, r.path, r.abi, r.state, r.restarts, r.last_exit};
}

// Mirrors the host's list into the shared book (what a restarted host starts again).
void save(host_actor* self) {
  auto& st = self->state;
  std::lock_guard<std::mutex> g(st.cfg.book->mu);
  st.cfg.book->plugins.clear();
  for (const auto& p : st.plugins)
    if (!p.unloading)
      st.cfg.book->plugins.push_back(p.rec);
}

plugin_entry* find(host_actor* self, const std::string& name) {
  for (auto& p : self->state.plugins)
    if (p.rec.name == name)
      return &p;
  return nullptr;
}

void unregister(host_actor* self, plugin_entry& p) {
  if (!p.handle)
    return;
  auto key = caf::atom_from_string(p.rec.name);
  if (self->system().registry().get<caf::actor>(key) == p.handle)
    self->system().registry().erase(key);
}

// Spawns the plugin's actor. On failure returns the reason.
std::optional<std::string> start_plugin(host_actor* self, plugin_entry& p) {
  auto& st = self->state;
  auto* sys = &self->system();
  plugin_context ctx{*sys, p.rec.name,
                     [sys](const std::string& n) -> caf::actor {
                       if (!valid_actor_name(n))
                         return {};
                       return sys->registry().get<caf::actor>(caf::atom_from_string(n));
                     },
                     node_event_group, st.events, p.rec.config, st.cfg.peer_id, st.cfg.data_dir,
                     [component = "plugin." + p.rec.name](const std::string& level, const std::string& text) {
                       auto l = log::parse_level(level).value_or(log::level::info);
                       log::write(l, component, text);
                     }};
  caf::actor h;
  try {
    h = p.rec.descriptor->spawn(ctx);
  } catch (const std::exception& e) {
    return std::string("spawn threw: ") + e.what();
  } catch (...) {
    return std::string("spawn threw an unknown exception");
  }
  if (!h)
    return std::string("spawn returned no actor");
  self->monitor(h);
  self->system().registry().put(caf::atom_from_string(p.rec.name), h);
  p.handle = std::move(h);
  p.rec.state = "running";
  return std::nullopt;
}

void mark_failed(host_actor* self, plugin_entry& p, const std::string& why) {
  p.rec.state = "failed";
  p.rec.last_exit = why;
  ++p.generation;
  log::error(component, "plugin '" + p.rec.name + "' failed and is stopped: " + why +
                          " (unload it, fix it and load it again)");
  publish(self, "plugin_failed", p.rec.name + ": " + why);
  save(self);
}

// A failure of a running plugin (exit or failed start): restart after the backoff, or give up.
void on_failure(host_actor* self, plugin_entry& p, const std::string& why) {
  auto& st = self->state;
  p.rec.last_exit = why;
  if (!p.policy->try_restart(now_ms(self))) {
    mark_failed(self, p, why + "; " + std::to_string(p.policy->max_restarts()) + " restarts within " +
                           std::to_string(p.policy->window().count()) + "ms spent");
    return;
  }
  auto n = p.policy->restarts_in_window(now_ms(self));
  auto delay = st.cfg.backoff;
  for (size_t i = 1; i < n && delay < max_backoff; ++i)
    delay *= 2;
  delay = std::min(delay, max_backoff);
  p.rec.state = "restarting";
  ++p.generation;
  log::warning(component, "plugin '" + p.rec.name + "' exited (" + why + "); restarting it in " +
                            std::to_string(delay.count()) + "ms");
  self->delayed_send(self, delay, plg_retry_atom::value, p.rec.name, p.generation);
  save(self);
}

void restart_plugin(host_actor* self, const std::string& name, uint64_t generation) {
  auto* p = find(self, name);
  if (!p || p->generation != generation || p->rec.state != "restarting" || self->state.stopping)
    return;
  if (auto failed = start_plugin(self, *p))
    return on_failure(self, *p, *failed);
  ++p->rec.restarts;
  restart_counter().with({name}).inc();
  log::info(component, "restarted plugin '" + name + "' (restart " + std::to_string(p->rec.restarts) + ")");
  save(self);
}

caf::result<plugin_info> load(host_actor* self, const std::string& path, const plugin_config& given) {
  auto& st = self->state;
  if (st.stopping)
    return to_caf(make_error(errc::unavailable, "the node is stopping"));
  auto opened = open_plugin(path, MANTLE_PLUGIN_ABI_VERSION, CAF_VERSION);
  if (!opened) {
    log::warning(component, opened.err().message);
    return to_caf(opened.err());
  }
  const auto* d = opened->descriptor;
  std::string name = d->name;
  std::optional<size_t> replaces; // a failed or stopped entry of that name, replaced once this one runs
  if (auto* old = find(self, name)) {
    if (old->rec.state != "failed" && old->rec.state != "stopped") {
      auto e = make_error(errc::conflict, "plugin '" + path + "': a plugin named '" + name + "' is already loaded (from " +
                                            old->rec.path + "); unload it first");
      log::warning(component, e.message);
      return to_caf(e);
    }
    replaces = static_cast<size_t>(old - st.plugins.data());
  } else if (self->system().registry().get<caf::actor>(caf::atom_from_string(name))) {
    auto e = make_error(errc::conflict, "plugin '" + path + "': the name '" + name + "' belongs to a node actor");
    log::warning(component, e.message);
    return to_caf(e);
  }
  plugin_entry p;
  p.rec.name = name;
  p.rec.version = d->version;
  p.rec.path = opened->path;
  p.rec.abi = d->abi_version;
  p.rec.descriptor = d;
  p.rec.config = given;
  if (p.rec.config.empty())
    if (auto it = st.cfg.configs.find(name); it != st.cfg.configs.end())
      p.rec.config = it->second;
  p.policy.emplace(st.cfg.restart_limit, st.cfg.restart_window);
  if (auto failed = start_plugin(self, p)) {
    auto e = make_error(errc::unavailable, "plugin '" + name + "' (" + p.rec.path + ") did not start: " + *failed);
    log::warning(component, e.message);
    return to_caf(e);
  }
  restart_counter().with({name}); // exposed as 0 from the start, so rate() works
  log::info(component, "loaded plugin '" + name + "' " + p.rec.version + " from " + p.rec.path);
  publish(self, "plugin_loaded", name + " " + p.rec.version + " from " + p.rec.path);
  auto out = info_of(p.rec);
  if (replaces)
    st.plugins[*replaces] = std::move(p);
  else
    st.plugins.push_back(std::move(p));
  save(self);
  return out;
}

// The library stays mapped (no dlclose): CAF may still hold objects whose code is in it after
// the actor is down (the actor object until its last reference drops, queued messages the
// plugin created, timeouts); plugin_api.hpp and docs/plugins.md say more.
void forget(host_actor* self, const std::string& name) {
  auto& st = self->state;
  auto it = std::find_if(st.plugins.begin(), st.plugins.end(), [&](const plugin_entry& p) { return p.rec.name == name; });
  if (it == st.plugins.end())
    return;
  auto info = info_of(it->rec);
  info.state = "stopped";
  auto waiters = std::move(it->unload_waiters);
  st.plugins.erase(it);
  save(self);
  log::info(component, "unloaded plugin '" + name + "'");
  publish(self, "plugin_unloaded", name);
  for (auto& w : waiters)
    w.deliver(info);
}

caf::result<plugin_info> unload(host_actor* self, const std::string& name) {
  auto* p = find(self, name);
  if (!p)
    return to_caf(make_error(errc::not_found, "no plugin named '" + name + "' is loaded"));
  auto rp = self->make_response_promise();
  p->unload_waiters.push_back(rp);
  if (p->unloading)
    return rp;
  p->unloading = true;
  ++p->generation; // cancels a pending restart
  if (!p->handle) {
    forget(self, name);
    return rp;
  }
  self->send_exit(p->handle, caf::exit_reason::user_shutdown);
  self->delayed_send(self, self->state.cfg.stop_timeout, plg_stop_atom::value, name, p->generation);
  return rp;
}

void maybe_quit(host_actor* self) {
  auto& st = self->state;
  if (!st.stopping)
    return;
  for (auto& p : st.plugins)
    if (p.handle)
      return;
  self->quit(st.stop_reason);
}

void on_down(host_actor* self, const caf::down_msg& dm) {
  auto& st = self->state;
  auto it = std::find_if(st.plugins.begin(), st.plugins.end(),
                         [&](const plugin_entry& p) { return p.handle && p.handle.address() == dm.source; });
  if (it == st.plugins.end())
    return;
  auto& p = *it;
  unregister(self, p);
  p.handle = nullptr;
  std::string reason = describe(self, dm.reason);
  if (st.stopping)
    return maybe_quit(self);
  if (p.unloading)
    return forget(self, p.rec.name);
  if (!dm.reason || dm.reason == caf::exit_reason::normal) {
    p.rec.state = "stopped";
    log::info(component, "plugin '" + p.rec.name + "' finished normally; not restarting it");
    save(self);
    return;
  }
  on_failure(self, p, reason);
}

caf::behavior plugin_host(host_actor* self, plugin_host_config cfg) {
  auto& st = self->state;
  if (!cfg.book)
    cfg.book = std::make_shared<plugin_book>();
  st.cfg = std::move(cfg);
  st.system = &self->system();
  st.events = self->system().groups().get_local(node_event_group);
  self->set_down_handler([self](caf::down_msg& dm) { on_down(self, dm); });
  self->set_exit_handler([self](caf::exit_msg& em) {
    auto& st = self->state;
    if (st.stopping)
      return;
    st.stopping = true;
    st.stop_reason = em.reason ? em.reason : caf::error{caf::exit_reason::user_shutdown};
    for (auto& p : st.plugins)
      if (p.handle) {
        self->send_exit(p.handle, caf::exit_reason::user_shutdown);
        ++p.generation;
      }
    self->delayed_send(self, st.cfg.stop_timeout, plg_stop_atom::value, std::string{}, uint64_t{0});
    maybe_quit(self);
  });

  std::vector<plugin_record> previous;
  bool first;
  {
    std::lock_guard<std::mutex> g(st.cfg.book->mu);
    first = !st.cfg.book->started;
    st.cfg.book->started = true;
    previous = st.cfg.book->plugins;
  }
  if (first) {
    for (const auto& path : st.cfg.paths)
      load(self, path, {}); // a refusal is logged by load; the node goes on without that plugin
    for (const auto& [name, section] : st.cfg.configs)
      if (!find(self, name))
        log::warning(component, "config has plugin." + name + ".* keys but no plugin named '" + name + "' was loaded");
  } else {
    // A restarted host: the same plugins again, with fresh budgets.
    for (auto& rec : previous) {
      plugin_entry p;
      p.rec = rec;
      p.policy.emplace(st.cfg.restart_limit, st.cfg.restart_window);
      if (rec.state == "failed" || rec.state == "stopped") {
        st.plugins.push_back(std::move(p));
        continue;
      }
      if (auto failed = start_plugin(self, p))
        mark_failed(self, p, "could not be started again after the plugin host restarted: " + *failed);
      else
        log::info(component, "started plugin '" + p.rec.name + "' again after the plugin host restarted");
      st.plugins.push_back(std::move(p));
    }
    save(self);
  }

  return with_mailbox_probe(self, {
    [self](plg_load_atom, const std::string& path, const plugin_config& config) { return load(self, path, config); },
    [self](plg_load_atom, const std::string& path) { return load(self, path, {}); },
    [self](plg_unload_atom, const std::string& name) { return unload(self, name); },
    [self](plg_list_atom) {
      std::vector<plugin_info> out;
      for (const auto& p : self->state.plugins)
        out.push_back(info_of(p.rec));
      return out;
    },
    [self](plg_retry_atom, const std::string& name, uint64_t generation) { restart_plugin(self, name, generation); },
    [self](plg_stop_atom, const std::string& name, uint64_t generation) {
      auto& st = self->state;
      if (name.empty()) { // the host's own stop: kill what did not stop in time
        if (!st.stopping)
          return;
        for (auto& p : st.plugins)
          if (p.handle) {
            log::warning(component, "plugin '" + p.rec.name + "' did not stop in time; killing it");
            self->send_exit(p.handle, caf::exit_reason::kill);
            unregister(self, p);
            p.handle = nullptr;
          }
        return maybe_quit(self);
      }
      auto* p = find(self, name);
      if (!p || !p->unloading || p->generation != generation || !p->handle)
        return;
      log::warning(component, "plugin '" + name + "' did not stop within " +
                                std::to_string(st.cfg.stop_timeout.count()) + "ms; killing it");
      self->send_exit(p->handle, caf::exit_reason::kill);
      unregister(self, *p);
      p->handle = nullptr;
      forget(self, name);
    },
  });
}

} // namespace

caf::actor spawn_plugin_host(caf::actor_system& sys, plugin_host_config cfg) {
  return sys.spawn(plugin_host, std::move(cfg));
}

} // namespace mantle
