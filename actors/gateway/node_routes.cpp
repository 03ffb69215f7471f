#include "actors/gateway/node_routes.hpp"

#include <caf/all.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "actors/gateway/node_actors_json.hpp"
#include "messages/errors.hpp"
#include "messages/node_types.hpp"
#include "net/kubo_rpc.hpp"
#include "net/router.hpp"

namespace mantle {
namespace {

constexpr auto stats_timeout = std::chrono::seconds(5);
// A busy actor answers late; the page polls again soon, so a short wait shows "unknown" instead.
constexpr auto mailbox_timeout = std::chrono::milliseconds(1000);
constexpr auto plugins_timeout = std::chrono::seconds(3);

// Children that answered (mbox) with "unexpected message" are not asked again: each such
// answer also prints a line on the node's stderr (CAF's default handler).
struct mailbox_deaf {
  std::mutex m;
  std::set<std::string> names;
  bool has(const std::string& n) {
    std::lock_guard<std::mutex> g(m);
    return names.count(n) > 0;
  }
  void add(const std::string& n) {
    std::lock_guard<std::mutex> g(m);
    names.insert(n);
  }
};

caf::actor named(caf::actor_system& sys, const std::string& name) {
  return caf::actor_cast<caf::actor>(sys.registry().get(caf::atom_from_string(name)));
}

void actors(caf::actor_system& sys, mailbox_deaf& deaf, response_writer& w) {
  auto sup = named(sys, supervisor_name);
  if (!sup)
    return (void)kubo::send_error(w, make_error(errc::unavailable, "the supervisor is not registered (is the node stopping?)"));
  caf::scoped_actor self{sys};
  std::optional<result<supervisor_stats>> stats;
  self->request(sup, stats_timeout, stats_atom::value)
    .receive([&](supervisor_stats& s) { stats.emplace(std::move(s)); },
             [&](caf::error& e) { stats.emplace(make_error(errc::unavailable, "the supervisor did not answer: " + sys.render(e))); });
  if (!*stats)
    return (void)kubo::send_error(w, stats->err());
  const auto& children = (*stats)->children;

  // All requests go out before any answer is awaited: the wait is the slowest one, not the sum.
  using handle_t = decltype(self->request(sup, mailbox_timeout, mbox_atom::value));
  std::vector<std::optional<handle_t>> asks;
  asks.reserve(children.size());
  for (const auto& c : children) {
    caf::actor a = c.running && !deaf.has(c.name) ? named(sys, c.name) : caf::actor{};
    if (a)
      asks.emplace_back(self->request(a, mailbox_timeout, mbox_atom::value));
    else
      asks.emplace_back(std::nullopt);
  }
  plugin_report plugins;
  auto host = named(sys, plugin_host_name);
  using plugins_handle_t = decltype(self->request(host, plugins_timeout, plg_list_atom::value));
  std::optional<plugins_handle_t> plugin_ask;
  if (host) {
    plugins.host_running = true;
    plugin_ask.emplace(self->request(host, plugins_timeout, plg_list_atom::value));
  }

  std::vector<std::optional<uint64_t>> mailboxes(children.size());
  for (size_t i = 0; i < children.size(); ++i) {
    if (!asks[i])
      continue;
    asks[i]->receive([&](uint64_t n) { mailboxes[i] = n; },
                     [&](caf::error& e) {
                       if (e == caf::sec::unexpected_message)
                         deaf.add(children[i].name);
                     });
  }
  if (plugin_ask)
    plugin_ask->receive([&](std::vector<plugin_info>& l) { plugins.plugins = std::move(l); },
                        [&](caf::error& e) { plugins.error = "the plugin host did not answer: " + sys.render(e); });
  kubo::send_json(w, node_actors_json(**stats, mailboxes, plugins));
}

} // namespace

std::vector<std::string> node_route_commands() {
  return {"mantle/node/actors"};
}

void add_node_routes(router& routes, caf::actor_system& sys) {
  auto deaf = std::make_shared<mailbox_deaf>();
  routes.add_rpc("mantle/node/actors", [&sys, deaf](http_request&, response_writer& w) -> void {
    actors(sys, *deaf, w);
  });
}

} // namespace mantle
