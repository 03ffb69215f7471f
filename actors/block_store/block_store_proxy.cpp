#include "actors/block_store/block_store_proxy.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include <unordered_map>

#include "actors/block_store/reconnect_backoff.hpp"
#include "config/log.hpp"
#include "messages/block_store.hpp"
#include "messages/errors.hpp"
#include "messages/node_types.hpp"
#include "actors/introspection.hpp"

namespace mantle {
namespace {

constexpr const char* component = "blocks";

struct proxy_state {
  block_store_proxy_config cfg;
  caf::actor remote;      // remote mode: the connected store, invalid while disconnected
  bool connecting = false;
  reconnect_backoff backoff;
  std::string last_error = "not connected yet";
  uint64_t next_id = 1;
  // Requests forwarded and not answered yet, so a lost connection fails them at once.
  std::unordered_map<uint64_t, caf::response_promise> pending;
  static inline const char* name = "block_store_proxy";
};
using proxy_actor = caf::stateful_actor<proxy_state>;

bool remote_mode(const proxy_state& st) { return !st.cfg.remote_host.empty(); }

std::string remote_text(const proxy_state& st) {
  std::string h = st.cfg.remote_host;
  if (h.find(':') != std::string::npos)
    h = "[" + h + "]";
  return h + ":" + std::to_string(st.cfg.remote_port);
}

caf::error unavailable(const std::string& why) {
  return to_caf(make_error(errc::unavailable, std::string(block_store_unavailable) + ": " + why));
}

std::string status_text(proxy_state& st) {
  if (!remote_mode(st))
    return "relay to the local '" + st.cfg.local_name + "' actor";
  if (st.remote)
    return "connected to the block store at " + remote_text(st);
  return "the block store at " + remote_text(st) + " is unreachable (" + st.last_error + "); " +
         std::to_string(st.backoff.failures()) + " attempts so far, retrying";
}

// Where a request goes now, or an empty handle with `why` filled in.
caf::actor target(proxy_actor* self, std::string& why) {
  auto& st = self->state;
  if (remote_mode(st)) {
    if (!st.remote)
      why = status_text(st);
    return st.remote;
  }
  auto h = caf::actor_cast<caf::actor>(self->system().registry().get(caf::atom_from_string(st.cfg.local_name)));
  if (!h)
    why = "the '" + st.cfg.local_name + "' actor is not running (restarting?)";
  return h;
}

void fail_pending(proxy_actor* self, const std::string& why) {
  auto pending = std::move(self->state.pending);
  self->state.pending.clear();
  for (auto& kv : pending)
    kv.second.deliver(unavailable(why));
}

void connect(proxy_actor* self);

void retry_later(proxy_actor* self, const std::string& why) {
  auto& st = self->state;
  st.remote = nullptr;
  st.last_error = why;
  auto delay = st.backoff.next();
  // The first failure and then every tenth are logged, so a long outage does not flood the log.
  if (st.backoff.failures() == 1 || st.backoff.failures() % 10 == 0)
    log::warning(component, "block store at " + remote_text(st) + " unreachable: " + why + " (attempt " +
                                std::to_string(st.backoff.failures()) + ", next in " +
                                std::to_string(delay.count()) + " ms)");
  self->delayed_send(self, delay, bsp_retry_atom::value);
}

void connect(proxy_actor* self) {
  auto& st = self->state;
  if (st.remote || st.connecting)
    return;
  st.connecting = true;
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, st.cfg.connect_timeout, caf::connect_atom::value, st.cfg.remote_host, st.cfg.remote_port)
    .then(
      [=](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>&) {
        auto& st = self->state;
        st.connecting = false;
        if (!ptr) {
          retry_later(self, "nothing is published on that port");
          return;
        }
        st.remote = caf::actor_cast<caf::actor>(ptr);
        self->monitor(st.remote);
        log::info(component, "connected to the block store at " + remote_text(st) +
                                 (st.backoff.failures() ? " after " + std::to_string(st.backoff.failures()) +
                                                              " failed attempts"
                                                        : std::string()));
        st.backoff.reset();
      },
      [=](caf::error& e) {
        self->state.connecting = false;
        retry_later(self, self->system().render(e));
      });
}

// The error a caller gets for a failed forward: the store's own errors unchanged, the rest
// as "block store unavailable".
caf::error translate(proxy_actor* self, const caf::error& e, std::chrono::milliseconds timeout) {
  if (e.category() == caf::atom("mantle"))
    return e; // the store's own answer (not found, invalid input, ...)
  if (e == caf::sec::request_receiver_down)
    return e; // a store between two incarnations (relayed from another process too): retried
  if (e == caf::sec::request_timeout)
    return unavailable("no answer within " + std::to_string(timeout.count() / 1000) + " s");
  return unavailable(self->system().render(e));
}

template <class T>
void settle(proxy_actor* self, uint64_t id, T reply) {
  auto i = self->state.pending.find(id);
  if (i == self->state.pending.end())
    return; // already failed when the connection was lost
  auto rp = std::move(i->second);
  self->state.pending.erase(i);
  rp.deliver(std::move(reply));
}

// Forwards one request and answers the original sender through a response promise.
template <class Reply, class... Ts>
caf::delegated<Reply> forward(proxy_actor* self, std::chrono::milliseconds timeout, Ts&&... xs) {
  auto rp = self->make_response_promise();
  std::string why;
  auto dest = target(self, why);
  if (!dest) {
    // A local store between two incarnations is answered like a dead receiver, which callers
    // (actor_backend's ask) retry for a moment, also from another process.
    rp.deliver(remote_mode(self->state) ? unavailable(why) : caf::make_error(caf::sec::request_receiver_down));
    return {};
  }
  auto id = self->state.next_id++;
  self->state.pending.emplace(id, rp);
  self->request(dest, timeout, std::forward<Ts>(xs)...)
    .then([=](Reply& r) { settle(self, id, std::move(r)); },
          [=](caf::error& e) { settle(self, id, translate(self, e, timeout)); });
  return {};
}

void publish(proxy_actor* self) {
  auto& st = self->state;
  auto mm = self->system().middleman().actor_handle();
  auto where = st.cfg.publish_host + ":" + std::to_string(st.cfg.publish_port);
  self->request(mm, st.cfg.connect_timeout, caf::publish_atom::value, st.cfg.publish_port,
                caf::actor_cast<caf::strong_actor_ptr>(self), std::set<std::string>{}, st.cfg.publish_host, true)
    .then([=](uint16_t) { log::info(component, "serving the block store on " + where); },
          [=](caf::error& e) {
            auto why = "cannot listen on " + where + ": " + self->system().render(e);
            log::error(component, why);
            self->quit(to_caf(make_error(errc::unavailable, why)));
          });
}

caf::behavior block_store_proxy(proxy_actor* self, block_store_proxy_config cfg) {
  self->state.cfg = std::move(cfg);
  self->state.backoff = reconnect_backoff(self->state.cfg.first_retry, self->state.cfg.max_retry);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (!st.remote || dm.source != st.remote.address())
      return;
    auto why = "connection lost (" + self->system().render(dm.reason) + ")";
    fail_pending(self, "the block store at " + remote_text(st) + ": " + why);
    retry_later(self, why);
  });
  self->set_exit_handler([=](caf::exit_msg& em) {
    fail_pending(self, "the node is stopping");
    auto& st = self->state;
    if (st.cfg.publish_port != 0) // frees the port for the next incarnation
      caf::anon_send(self->system().middleman().actor_handle(), caf::unpublish_atom::value, self->address(),
                     st.cfg.publish_port);
    self->quit(em.reason);
  });
  if (remote_mode(self->state))
    connect(self);
  if (self->state.cfg.publish_port != 0)
    publish(self);
  auto s = self->state.cfg.request_timeout;
  auto l = self->state.cfg.long_timeout;
  return with_mailbox_probe(self, {
    [=](blk_put_atom a, put_blocks& r) { return forward<uint64_t>(self, s, a, std::move(r)); },
    [=](blk_get_atom a, const cid& c) { return forward<std::string>(self, s, a, c); },
    [=](blk_has_atom a, const cid& c) { return forward<bool>(self, s, a, c); },
    [=](blk_size_atom a, const cid& c) { return forward<uint64_t>(self, s, a, c); },
    [=](blk_rm_atom a, const cid& c) { return forward<bool>(self, s, a, c); },
    [=](pin_add_atom a, const pin_request& r) { return forward<bool>(self, l, a, r); },
    [=](pin_rm_atom a, const cid& c, bool recursive) { return forward<bool>(self, s, a, c, recursive); },
    [=](pin_ls_atom a, const pin_query& q) { return forward<std::vector<pin_entry>>(self, l, a, q); },
    [=](repo_gc_atom a) { return forward<gc_result>(self, l, a); },
    [=](repo_st_atom a) { return forward<repo_stat>(self, s, a); },
    [=](sess_open_atom a) { return forward<uint64_t>(self, s, a); },
    [=](sess_end_atom a, uint64_t id) { return forward<bool>(self, s, a, id); },
    [=](sync_atom a) { return forward<bool>(self, l, a); },
    [=](fault_atom a) { return forward<bool>(self, s, a); },
    [=](stats_atom) { return status_text(self->state); },
    [=](bsp_retry_atom) { connect(self); },
  });
}

} // namespace

caf::actor spawn_block_store_proxy(caf::actor_system& sys, block_store_proxy_config cfg) {
  return sys.spawn(block_store_proxy, std::move(cfg));
}

} // namespace mantle
