#include "actors/console/console_actor.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <vector>

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/group.hpp>
#include <caf/io/middleman.hpp>
#include <caf/message_builder.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>

#include <nlohmann/json.hpp>

#include "actors/console/console_auth.hpp"
#include "actors/console/console_command.hpp"
#include "actors/console/console_view.hpp"
#include "actors/gateway/order_routes.hpp"
#include "actors/introspection.hpp"
#include "config/log.hpp"
#include "messages/block_store.hpp"
#include "messages/console.hpp"
#include "messages/credit.hpp"
#include "messages/errors.hpp"
#include "messages/events.hpp"
#include "messages/node_types.hpp"
#include "messages/peer.hpp"
#include "messages/plugin.hpp"
#include "messages/supervisor.hpp"
#include "messages/validator.hpp"
#include "net/credit_rpc.hpp"

namespace mantle {

namespace {

constexpr const char* component = "console";
constexpr int publish_attempts = 50; // a restarted console waits up to 5 s for its old port
constexpr auto publish_retry = std::chrono::milliseconds(100);

using json = nlohmann::ordered_json;
using clock_type = console::console_auth::clock;
using publish_retry_atom = caf::atom_constant<caf::atom("con_pub")>; // internal: publish again

struct watcher {
  caf::actor who;
  std::string token;
  std::set<std::string> kinds; // empty: every kind
};

struct console_state {
  console_actor_config cfg;
  caf::group events;
  std::vector<watcher> watchers;
  static inline const char* name = "mantle.console";
};

using console_self = caf::stateful_actor<console_state>;

// Names the sender of the current message for the log: the CAF node it comes from (remote
// clients) or "a local actor". The middleman does not tell the peer's IP address.
std::string sender_text(console_self* self) {
  const auto& s = self->current_sender();
  if (!s)
    return "an anonymous sender";
  if (s->node() == self->node())
    return "a local actor";
  return "remote node " + caf::to_string(s->node());
}

caf::error refuse(console_self* self, const std::string& what, const std::string& why) {
  log::warning(component, "refused " + what + " from " + sender_text(self) + ": " + why);
  return to_caf(make_error(errc::permission_denied, why));
}

// ---- the command worker: runs one command line with blocking requests, then exits ----

using worker_self = caf::blocking_actor;

bool valid_atom_text(const std::string& s) {
  return !s.empty() && s.size() <= 10 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
         });
}

caf::actor find_actor(caf::actor_system& sys, const std::string& name) {
  if (!valid_atom_text(name))
    return {};
  return caf::actor_cast<caf::actor>(sys.registry().get(caf::atom_from_string(name)));
}

error describe(caf::actor_system& sys, const caf::error& e, const std::string& who, std::chrono::milliseconds t) {
  if (e.category() == caf::atom("mantle"))
    return from_caf(e);
  if (e == caf::sec::request_timeout)
    return make_error(errc::unavailable, "'" + who + "' did not answer within " + std::to_string(t.count()) + " ms");
  if (e == caf::sec::request_receiver_down)
    return make_error(errc::unavailable, "'" + who + "' went down (restarting?); try again");
  if (e == caf::sec::unexpected_message)
    return make_error(errc::invalid_input, "'" + who + "' does not understand that message");
  return make_error(errc::unavailable, "'" + who + "': " + sys.render(e));
}

error not_running(const std::string& name) {
  return make_error(errc::unavailable, "no actor named '" + name + "' is running on this node");
}

template <class T, class... Ts>
result<T> ask(worker_self* self, const std::string& name, std::chrono::milliseconds timeout, Ts&&... xs) {
  auto h = find_actor(self->system(), name);
  if (!h)
    return not_running(name);
  std::optional<result<T>> out;
  self->request(h, timeout, std::forward<Ts>(xs)...)
    .receive([&](T& x) { out.emplace(std::move(x)); },
             [&](caf::error& e) { out.emplace(describe(self->system(), e, name, timeout)); });
  return std::move(*out);
}

template <class... Ts>
status ask_void(worker_self* self, const std::string& name, std::chrono::milliseconds timeout, Ts&&... xs) {
  auto h = find_actor(self->system(), name);
  if (!h)
    return not_running(name);
  status out;
  self->request(h, timeout, std::forward<Ts>(xs)...)
    .receive([&]() {}, [&](caf::error& e) { out = describe(self->system(), e, name, timeout); });
  return out;
}

result<json> parse_json_text(const result<std::string>& text) {
  if (!text)
    return text.err();
  auto j = json::parse(*text, nullptr, false);
  if (j.is_discarded())
    return make_error(errc::corrupt, "an actor answered text that is not JSON");
  return j;
}

result<json> status_cmd(worker_self* self, const console_actor_config& cfg) {
  console::node_status s;
  s.peer_id = cfg.peer_id;
  s.version = cfg.version;
  s.data_dir = cfg.data_dir;
  s.uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() - cfg.started).count();
  auto t = cfg.ask_timeout;
  if (!find_actor(self->system(), validator_name)) {
    s.unavailable["chain_height"] = "the chain is off on this node";
  } else if (auto head = parse_json_text(ask<std::string>(self, validator_name, t, chain_head_atom::value)); !head) {
    s.unavailable["chain_height"] = head.err().message;
  } else {
    s.chain_height = head->value("height", uint64_t{0});
  }
  if (auto p = ask<std::vector<peer_entry>>(self, peer_actor_name, t, p_list_atom::value))
    s.peers = p->size();
  else
    s.unavailable["peers"] = p.err().message;
  if (auto r = ask<repo_stat>(self, "blocks", t, repo_st_atom::value))
    s.repo = *r;
  else
    s.unavailable["repo_size"] = r.err().message;
  uint64_t pins = 0;
  for (pin_type type : {pin_type::recursive, pin_type::direct}) {
    auto r = ask<std::vector<pin_entry>>(self, "blocks", t, pin_ls_atom::value, pin_query{static_cast<uint8_t>(type), {}});
    if (!r) {
      s.unavailable["pins"] = r.err().message;
      break;
    }
    pins += r->size();
  }
  if (!s.unavailable.count("pins"))
    s.pins = pins;
  return console::status_json(s);
}

result<json> tree_cmd(worker_self* self, const console_actor_config& cfg) {
  auto stats = ask<supervisor_stats>(self, supervisor_name, cfg.ask_timeout, stats_atom::value);
  if (!stats)
    return stats.err();
  // Probes go out together, so the whole tree waits for one probe timeout at most.
  using handle_t = decltype(self->request(caf::actor{}, cfg.probe_timeout, mbox_atom::value));
  std::vector<std::pair<std::string, handle_t>> probes;
  for (const auto& c : stats->children)
    if (c.running)
      if (auto h = find_actor(self->system(), c.name))
        probes.emplace_back(c.name, self->request(h, cfg.probe_timeout, mbox_atom::value));
  console::mailbox_sizes mbox;
  for (auto& [name, h] : probes) {
    std::optional<uint64_t> n;
    h.receive([&](uint64_t x) { n = x; }, [&](caf::error&) {});
    mbox[name] = n;
  }
  std::vector<plugin_info> plugins;
  if (find_actor(self->system(), plugin_host_name))
    if (auto p = ask<std::vector<plugin_info>>(self, plugin_host_name, cfg.ask_timeout, plg_list_atom::value))
      plugins = std::move(*p);
  return console::tree_json(*stats, mbox, plugins);
}

result<json> restart_cmd(worker_self* self, const console_actor_config& cfg, const std::string& given) {
  auto name = console::actor_name(given);
  if (auto s = ask_void(self, supervisor_name, cfg.restart_timeout, restart_atom::value, name); !s)
    return s.err();
  json out{{"restarted", name}};
  if (auto stats = ask<supervisor_stats>(self, supervisor_name, cfg.ask_timeout, stats_atom::value))
    for (auto& c : stats->children)
      if (c.name == name)
        out["restarts"] = c.restarts;
  return out;
}

result<json> pins_cmd(worker_self* self, const console_actor_config& cfg) {
  std::vector<pin_entry> all;
  for (pin_type type : {pin_type::recursive, pin_type::direct}) {
    auto r = ask<std::vector<pin_entry>>(self, "blocks", cfg.ask_timeout, pin_ls_atom::value,
                                         pin_query{static_cast<uint8_t>(type), {}});
    if (!r)
      return r.err();
    all.insert(all.end(), r->begin(), r->end());
  }
  return console::pins_json(all);
}

result<json> chain_cmd(worker_self* self, const console_actor_config& cfg) {
  if (!find_actor(self->system(), validator_name))
    return make_error(errc::unavailable, "the chain is not running on this node (started with --chain off?)");
  auto head = ask<std::string>(self, validator_name, cfg.ask_timeout, chain_head_atom::value);
  if (!head)
    return head.err();
  auto vals = ask<std::string>(self, validator_name, cfg.ask_timeout, chain_vals_atom::value);
  if (!vals)
    return vals.err();
  return console::chain_json(*head, *vals);
}

result<json> orders_cmd(worker_self* self) {
  if (!find_actor(self->system(), validator_name))
    return make_error(errc::unavailable, "the chain is not running on this node (started with --chain off?)");
  auto chain = validator_order_chain(self->system());
  auto page = parse_json_text(order_list_json(chain, "", order_list_default_limit));
  if (!page)
    return page.err();
  return (*page)["Orders"];
}

result<json> credit_cmd(worker_self* self, const console_actor_config& cfg) {
  auto entries = ask<std::vector<ledger_entry>>(self, credit_ledger_name, cfg.ask_timeout, ledger_atom::value);
  if (!entries)
    return entries.err();
  return json::parse(credit_list_json(*entries)["Peers"].dump());
}

result<json> send_cmd(worker_self* self, const console_actor_config& cfg, const std::vector<std::string>& args) {
  auto name = console::actor_name(args[0]);
  auto atom_text = console::atom_name(name, args[1]);
  if (!valid_atom_text(atom_text))
    return make_error(errc::invalid_input, "'" + atom_text + "' is not an atom (1 to 10 of A-Z a-z 0-9 _)");
  auto dest = find_actor(self->system(), name);
  if (!dest)
    return not_running(name);
  caf::message_builder mb;
  mb.append(caf::atom_from_string(atom_text));
  json sent = json::array({atom_text});
  for (size_t k = 2; k < args.size(); ++k) {
    auto a = console::parse_send_arg(args[k]);
    if (!a)
      return a.err();
    using kind = console::send_arg::kind;
    switch (a->type) {
      case kind::u64: mb.append(a->u); sent.push_back(a->u); break;
      case kind::u32: mb.append(static_cast<uint32_t>(a->u)); sent.push_back(a->u); break;
      case kind::i64: mb.append(a->i); sent.push_back(a->i); break;
      case kind::i32: mb.append(static_cast<int32_t>(a->i)); sent.push_back(a->i); break;
      case kind::boolean: mb.append(a->b); sent.push_back(a->b); break;
      case kind::text: mb.append(a->s); sent.push_back(a->s); break;
    }
  }
  std::optional<result<json>> reply;
  // No handler can take "any reply" in CAF 0.17: the reply is caught as the unexpected_response
  // error, which carries it as its context. A reply that is one JSON text (the validator's
  // answers) is shown as JSON, anything else as CAF renders it.
  self->request(dest, cfg.ask_timeout, mb.to_message())
    .receive([&](console_reply&) { reply.emplace(make_error(errc::internal, "unexpected console reply")); },
             [&](caf::error& e) {
               if (e != caf::sec::unexpected_response) {
                 reply.emplace(describe(self->system(), e, name, cfg.ask_timeout));
                 return;
               }
               const auto& ctx = e.context();
               if (ctx.match_elements<std::string>()) {
                 auto j = json::parse(ctx.get_as<std::string>(0), nullptr, false);
                 if (!j.is_discarded() && (j.is_object() || j.is_array())) {
                   reply.emplace(std::move(j));
                   return;
                 }
               }
               reply.emplace(json(caf::to_string(ctx)));
             });
  if (!*reply)
    return reply->err();
  return json{{"actor", name}, {"message", sent}, {"reply", std::move(**reply)}};
}

error no_plugin_host() {
  return make_error(errc::unavailable, "no plugin host runs on this node (registry name \"plugins\"): "
                                       "plugins cannot be listed, loaded or unloaded");
}

result<json> plugin_cmd(worker_self* self, const console_actor_config& cfg, const console::command& c) {
  if (!find_actor(self->system(), plugin_host_name))
    return no_plugin_host();
  if (c.verb == "plugin list") {
    auto r = ask<std::vector<plugin_info>>(self, plugin_host_name, cfg.ask_timeout, plg_list_atom::value);
    if (!r)
      return r.err();
    return console::plugins_json(*r);
  }
  if (c.verb == "plugin load") {
    auto kv = console::parse_key_values({c.args.begin() + 1, c.args.end()});
    if (!kv)
      return kv.err();
    auto r = ask<plugin_info>(self, plugin_host_name, cfg.restart_timeout, plg_load_atom::value, c.args[0], *kv);
    if (!r)
      return r.err();
    return console::plugin_json(*r);
  }
  auto r = ask<plugin_info>(self, plugin_host_name, cfg.restart_timeout, plg_unload_atom::value, c.args[0]);
  if (!r)
    return r.err();
  return console::plugin_json(*r);
}

result<json> run_command(worker_self* self, const console_actor_config& cfg, const console::command& c) {
  const auto& v = c.verb;
  if (v == "help")
    return console::help_json();
  if (v == "status")
    return status_cmd(self, cfg);
  if (v == "tree")
    return tree_cmd(self, cfg);
  if (v == "restart")
    return restart_cmd(self, cfg, c.args[0]);
  if (v == "peers") {
    auto r = ask<std::vector<peer_entry>>(self, peer_actor_name, cfg.ask_timeout, p_list_atom::value);
    if (!r)
      return r.err();
    return console::peers_json(*r);
  }
  if (v == "pins")
    return pins_cmd(self, cfg);
  if (v == "chain")
    return chain_cmd(self, cfg);
  if (v == "orders")
    return orders_cmd(self);
  if (v == "credit")
    return credit_cmd(self, cfg);
  if (v == "send")
    return send_cmd(self, cfg, c.args);
  if (v.rfind("plugin ", 0) == 0)
    return plugin_cmd(self, cfg, c);
  if (v == "watch")
    return make_error(errc::invalid_input, "watch streams events: the client asks for them with con_watch");
  return make_error(errc::internal, "command '" + v + "' has no implementation");
}

console_reply reply_of(const result<json>& r) {
  console_reply out;
  if (r) {
    out.ok = true;
    out.json = r->dump();
  } else {
    out.error = r.err().message;
  }
  return out;
}

void command_worker(worker_self* self, console_actor_config cfg) {
  self->receive([&](con_cmd_atom, const std::string& line) -> console_reply {
    auto c = console::parse_command(line);
    if (!c)
      return reply_of(c.err());
    try {
      return reply_of(run_command(self, cfg, *c));
    } catch (const std::exception& e) {
      log::error(component, "command '" + line.substr(0, 80) + "' failed: " + e.what());
      return reply_of(make_error(errc::internal, std::string("the command failed: ") + e.what()));
    }
  });
}

// ---- the console actor ----

void publish(console_self* self, int attempt) {
  auto& st = self->state;
  auto mm = self->system().middleman().actor_handle();
  const bool earlier = st.cfg.bound_port && *st.cfg.bound_port != 0;
  uint16_t want = earlier ? *st.cfg.bound_port : st.cfg.port;
  std::string host = st.cfg.host;
  self->request(mm, std::chrono::seconds(30), caf::publish_atom::value, want,
                caf::actor_cast<caf::strong_actor_ptr>(self), std::set<std::string>{}, host, true)
    .then(
      [=](uint16_t port) {
        if (self->state.cfg.bound_port)
          *self->state.cfg.bound_port = port;
        self->attach_functor([mm, addr = self->address(), port] { caf::anon_send(mm, caf::unpublish_atom::value, addr, port); });
        log::info(component, "console listening on " + host + ":" + std::to_string(port));
      },
      [=](caf::error& e) {
        std::string where = host + ":" + std::to_string(want);
        if (e == caf::sec::cannot_open_port && earlier && attempt < publish_attempts) {
          self->delayed_send(self, publish_retry, publish_retry_atom::value, attempt + 1);
          return;
        }
        auto why = "cannot listen on " + where + ": " + self->system().render(e) +
                   " (another node on this port? set --console-addr, or off)";
        log::error(component, why);
        self->quit(to_caf(make_error(errc::unavailable, why)));
      });
}

void drop_watchers(console_self* self, const std::function<bool(const watcher&)>& pred) {
  auto& w = self->state.watchers;
  w.erase(std::remove_if(w.begin(), w.end(), pred), w.end());
}

caf::behavior console_actor(console_self* self, console_actor_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.events = self->system().groups().get_local(node_event_group);
  self->join(st.events);
  // Anyone who reaches the port can send anything: a message the console does not know gets
  // an unexpected_message error back and a debug line, never stderr noise or a stop.
  self->set_default_handler([](caf::scheduled_actor* me, caf::message_view& x) -> caf::result<caf::message> {
    log::debug(component, "dropping unexpected message " + to_string(x.content()) + " from " +
                              (me->current_sender() ? to_string(me->current_sender()->node()) : "anonymous"));
    return caf::sec::unexpected_message;
  });
  self->set_down_handler([=](caf::down_msg& dm) {
    drop_watchers(self, [&](const watcher& w) { return w.who.address() == dm.source; });
  });
  publish(self, 1);
  auto now = [] { return clock_type::now(); };
  return with_mailbox_probe(self, {
    [=](publish_retry_atom, int attempt) { publish(self, attempt); },
    [=](con_hello_atom) -> std::string { return self->state.cfg.auth->issue_nonce(now()); },
    [=](con_auth_atom, const std::string& nonce, const std::string& mac) -> caf::result<std::string> {
      auto token = self->state.cfg.auth->authenticate(nonce, mac, now());
      if (!token)
        return refuse(self, "a console login", token.err().message);
      log::info(component, "console session opened by " + sender_text(self) + " (token " +
                               console::abbreviate(*token) + ")");
      return *token;
    },
    [=](con_cmd_atom, const std::string& token, std::string& line) -> caf::result<console_reply> {
      if (!self->state.cfg.auth->check(token, now()))
        return refuse(self, "command '" + line.substr(0, 40) + "'", "no valid console session (log in again)");
      log::info(component, "command from " + sender_text(self) + ": " + line.substr(0, 200));
      auto worker = self->system().spawn(command_worker, self->state.cfg);
      auto rp = self->make_response_promise();
      rp.delegate(worker, con_cmd_atom::value, std::move(line));
      return rp;
    },
    [=](con_watch_atom, const std::string& token, const std::vector<std::string>& kinds) -> caf::result<void> {
      if (!self->state.cfg.auth->check(token, now()))
        return refuse(self, "watch", "no valid console session (log in again)");
      auto who = caf::actor_cast<caf::actor>(self->current_sender());
      if (!who)
        return to_caf(make_error(errc::invalid_input, "watch needs a sender to send the events to"));
      drop_watchers(self, [&](const watcher& w) { return w.who == who; });
      self->monitor(who);
      self->state.watchers.push_back(watcher{who, token, {kinds.begin(), kinds.end()}});
      log::info(component, "events watched by " + sender_text(self) +
                               (kinds.empty() ? std::string(" (all kinds)") : " (" + std::to_string(kinds.size()) + " kinds)"));
      return caf::unit;
    },
    [=](con_unwatch_atom, const std::string& token) -> caf::result<void> {
      if (!self->state.cfg.auth->check(token, now()))
        return refuse(self, "unwatch", "no valid console session (log in again)");
      auto who = caf::actor_cast<caf::actor>(self->current_sender());
      drop_watchers(self, [&](const watcher& w) { return w.who == who || w.token == token; });
      return caf::unit;
    },
    [=](const node_event& ev) {
      for (auto& w : self->state.watchers)
        if (w.kinds.empty() || w.kinds.count(ev.kind))
          self->send(w.who, ev);
    },
  });
}

} // namespace

caf::actor spawn_console_actor(caf::actor_system& sys, console_actor_config cfg) {
  if (!cfg.auth)
    throw std::invalid_argument("console: no key (console_actor_config::auth)");
  return sys.spawn(console_actor, std::move(cfg));
}

} // namespace mantle
