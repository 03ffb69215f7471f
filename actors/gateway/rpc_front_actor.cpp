#include "actors/gateway/rpc_front_actor.hpp"

#include <caf/all.hpp>

#include <memory>
#include <stdexcept>

#include "actors/gateway/actor_backend.hpp"
#include "actors/gateway/peer_routes.hpp"
#include "actors/gateway/chain_routes.hpp"
#include "actors/gateway/order_routes.hpp"
#include "actors/gateway/node_routes.hpp"
#include "net/dashboard_http.hpp"
#include "config/log.hpp"
#include "messages/block_store.hpp"
#include "messages/errors.hpp"
#include "net/http_server.hpp"
#include "actors/supervisor/supervisor_actor.hpp"
#include "net/kubo_api.hpp"
#include "net/kubo_rpc.hpp"

#include <nlohmann/json.hpp>
#include "net/router.hpp"
#include "net/access_log.hpp"
#include "net/cors.hpp"
#include "net/http_metrics.hpp"
#include "messages/pinner.hpp"
#include <optional>
#include "net/psa_api.hpp"
#include "net/psa_token_rpc.hpp"
#include "actors/exchange/exchange_client.hpp"
#include "actors/credit/ledger_client.hpp"
#include "net/credit_rpc.hpp"
#include "actors/introspection.hpp"

namespace mantle {
namespace {

struct rpc_front_state {
  std::unique_ptr<node_backend> backend;
  std::unique_ptr<kubo_api> api;
  std::unique_ptr<router> routes;
  std::shared_ptr<psa::psa_store> psa_store; // outlives psa (declared before it)
  std::unique_ptr<psa_api> psa;
  std::unique_ptr<http_server> server;
  uint64_t scrape_id = 0;          // store gauges callback in global_metrics()
  uint64_t exchange_scrape_id = 0; // exchange counters callback (asks the actor system)

  ~rpc_front_state() {
    // Joins the connection threads; they only talk to other actors, never to this one.
    if (server)
      server->stop();
    if (scrape_id) // before `backend` goes: the callback may use it
      global_metrics().remove_scrape_callback(scrape_id);
    if (exchange_scrape_id)
      global_metrics().remove_scrape_callback(exchange_scrape_id);
  }
  static inline const char* name = "rpc-front";
};

// Block store gauges for /metrics, read at scrape time: from the in-process store when there is
// one (a read transaction), else through the backend.
std::function<void()> store_gauges(std::shared_ptr<block_store> local, node_backend& backend) {
  auto& reg = global_metrics();
  auto blocks = reg.gauge("mantle_blocks_stored", "Blocks in the block store.").with({});
  auto bytes = reg.gauge("mantle_stored_bytes", "Bytes of block data in the block store.").with({});
  auto max = reg.gauge("mantle_storage_max_bytes", "Most bytes the block store may hold.").with({});
  auto pins = reg.gauge("mantle_pins", "Pinned roots, by pin type.", {"type"});
  auto recursive = pins.with({"recursive"}), direct = pins.with({"direct"});
  return [=, &backend] {
    auto s = local ? local->stat() : backend.stat();
    if (s) {
      blocks.set(static_cast<double>(s->num_objects));
      bytes.set(static_cast<double>(s->repo_size));
      max.set(static_cast<double>(s->storage_max));
    }
    for (auto [type, g] : {std::pair{pin_type::recursive, recursive}, std::pair{pin_type::direct, direct}}) {
      auto p = local ? local->pins(type) : backend.pin_ls(type, {});
      if (p)
        g.set(static_cast<double>(p->size()));
    }
  };
}

// The exchange's counters, mirrored at scrape time (they count from the exchange's last start,
// which Prometheus reads as a counter reset). A short timeout: a stuck exchange must not
// stall the scrape; its series then keep their last values.
std::function<void()> exchange_gauges(caf::actor_system& sys) {
  auto& reg = global_metrics();
  auto blocks = reg.counter("mantle_exchange_blocks_total", "Blocks exchanged with peers (received: verified and stored).", {"direction"});
  auto bytes = reg.counter("mantle_exchange_bytes_total", "Bytes of blocks exchanged with peers.", {"direction"});
  auto blocks_in = blocks.with({"received"}), blocks_out = blocks.with({"sent"});
  auto bytes_in = bytes.with({"received"}), bytes_out = bytes.with({"sent"});
  auto dups = reg.counter("mantle_exchange_duplicate_blocks_total", "Verified copies of blocks that had already arrived.").with({});
  auto rejected = reg.counter("mantle_exchange_rejected_blocks_total", "Wrong or unrequested blocks from peers (the peer is cut off).").with({});
  auto deferred = reg.counter("mantle_exchange_not_now_total", "Want-blocks answered not_now because the credit ledger would not serve yet.").with({});
  auto peers = reg.gauge("mantle_exchange_peers", "Peers the exchange is connected to.").with({});
  auto wants = reg.gauge("mantle_exchange_wants", "Blocks being fetched from peers.").with({});
  auto source = exchange_client(sys, "exchange", std::chrono::seconds(2));
  return [=] {
    auto s = source();
    if (!s)
      return;
    blocks_in.set(s->blocks_received);
    blocks_out.set(s->blocks_sent);
    bytes_in.set(s->data_received);
    bytes_out.set(s->data_sent);
    dups.set(s->dup_blocks);
    rejected.set(s->rejected);
    deferred.set(s->deferred);
    peers.set(static_cast<double>(s->peers.size()));
    wants.set(static_cast<double>(s->wantlist.size()));
  };
}

caf::behavior rpc_front(caf::stateful_actor<rpc_front_state>* self, rpc_front_config cfg) {
  auto& sys = self->system();
  auto& st = self->state;
  st.backend = make_actor_backend(sys, registry_resolver(sys, cfg.store_name), cfg.id, cfg.local_store);
  st.api = std::make_unique<kubo_api>(*st.backend, rpc_info{cfg.repo_path});
  auto addr = host_port::parse(cfg.address);
  if (!addr) {
    self->quit(to_caf(addr.err()));
    return {};
  }
  rpc_policy policy;
  policy.allowed_origins = cfg.allowed_origins.empty() ? kubo_default_origins(addr->port)
                                                        : cfg.allowed_origins;
  st.routes = std::make_unique<router>(policy);
  for (auto& cmd : st.api->commands())
    st.routes->add_rpc(cmd, *st.api->find(cmd));
  add_peer_routes(*st.routes, sys, cfg.id); // swarm/peers, swarm/connect, id with real addresses
  if (cfg.fault_injection) {
    // Makes a supervised child throw, as a bug would: the supervisor restarts it, and past the
    // restart limit the node stops with exit code 1. Off unless --fault-injection 1.
    st.routes->add_rpc("mantle/diag/fault", [&sys](http_request& r, response_writer& w) -> void {
      auto args = r.query.args();
      if (args.size() != 1 || !valid_actor_name(args.front())) {
        kubo::send_error(w, make_error(errc::invalid_input, "argument \"child\" (a supervised actor's name) is required"));
        return;
      }
      auto target = caf::actor_cast<caf::actor>(sys.registry().get(caf::atom_from_string(args.front())));
      if (!target) {
        kubo::send_error(w, make_error(errc::not_found, "no running child named '" + args.front() + "'"));
        return;
      }
      caf::anon_send(target, fault_atom::value);
      log::warning("rpc", "fault injected into '" + args.front() + "' on request from " + r.remote);
      kubo::send_json(w, nlohmann::json{{"Child", args.front()}, {"Fault", "sent"}});
    });
    // Data-loss drill: deletes a share of a stored file's leaf blocks even though it is pinned,
    // so the node keeps claiming a file it no longer fully has (storage proof tests).
    st.routes->add_rpc("mantle/diag/lose", [&sys, store = registry_resolver(sys, cfg.store_name)](http_request& r, response_writer& w) -> void {
      auto args = r.query.args();
      auto c = args.size() == 1 ? cid::parse(args.front()) : result<cid>(make_error(errc::invalid_input, "argument \"cid\" is required"));
      if (!c) {
        kubo::send_error(w, c.err());
        return;
      }
      auto pct = r.query.get_int("percent", 10);
      if (!pct || *pct <= 0 || *pct > 100) {
        kubo::send_error(w, make_error(errc::invalid_input, "percent must be 1..100"));
        return;
      }
      auto blocks = store();
      if (!blocks) {
        kubo::send_error(w, make_error(errc::unavailable, "the block store is not running"));
        return;
      }
      caf::scoped_actor self{sys};
      std::optional<result<uint64_t>> out;
      self->request(blocks, std::chrono::seconds(60), blk_lose_atom::value, *c, static_cast<uint32_t>(*pct))
        .receive([&](uint64_t n) { out.emplace(n); }, [&](caf::error& e) { out.emplace(from_caf(e)); });
      if (!*out) {
        kubo::send_error(w, out->err());
        return;
      }
      log::warning("rpc", "data-loss drill: deleted " + std::to_string(**out) + " leaf blocks of " + c->str());
      kubo::send_json(w, nlohmann::json{{"Cid", c->str()}, {"Deleted", **out}});
    });
    log::warning("rpc", "fault injection is enabled (mantle/diag/fault, mantle/diag/lose)");
  }
  add_credit_rpc(*st.routes, ledger_client(sys)); // bitswap/ledger, mantle/credit/ls
  add_exchange_rpc(*st.routes, exchange_client(sys)); // bitswap/stat, bitswap/wantlist
  add_chain_routes(*st.routes, sys);                // mantle/chain/*, mantle/account/*, mantle/stake/*
  add_order_routes(*st.routes, validator_order_chain(sys), *st.backend); // mantle/order/*
  add_node_routes(*st.routes, sys); // mantle/node/actors
  add_dashboard(*st.routes);        // GET /dashboard: the page reads the routes above from the browser
  st.routes->add("GET", "/metrics", metrics_handler(global_metrics()));
  st.routes->add("GET", "/debug/metrics/prometheus", metrics_handler(global_metrics())); // Kubo's path
  st.scrape_id = global_metrics().add_scrape_callback(store_gauges(cfg.local_store, *st.backend));
  st.exchange_scrape_id = global_metrics().add_scrape_callback(exchange_gauges(sys));
  if (cfg.psa_store) {
    // Pinning Service API on the same port, outside /api/v0 (its own Bearer auth, not Kubo's
    // origin rules); token management stays an RPC command under those rules.
    auto wake = [pinner = registry_resolver(sys, cfg.pinner_name)] {
      if (auto p = pinner())
        caf::anon_send(p, psa_wake_atom::value);
    };
    st.psa_store = cfg.psa_store;
    st.psa = std::make_unique<psa_api>(*st.backend, *st.psa_store, wake);
    auto* psa = st.psa.get();
    st.routes->add_prefix("/psa", [psa](http_request& r, response_writer& w) { psa->handle(r, w); });
    add_token_commands(*st.routes, *st.psa_store);
  }
  auto* routes = st.routes.get();
  std::vector<std::string> cors_origins = cfg.allowed_origins; // only origins the operator listed
  http_handler handler = [routes, cors_origins](http_request& req, response_writer& w) {
    apply_rpc_cors(req, w, cors_origins);
    routes->handle(req, w);
  };
  auto commands = st.api->commands();
  commands.push_back("mantle/diag/fault");
  commands.push_back("mantle/diag/lose");
  commands.push_back("swarm/peers");
  commands.push_back("swarm/connect");
  for (auto& c : credit_rpc_commands())
    commands.push_back(c);
  for (auto& c : exchange_rpc_commands())
    commands.push_back(c);
  for (auto& c : order_route_commands())
    commands.push_back(c);
  for (auto& c : chain_route_commands())
    commands.push_back(c);
  for (auto& c : node_route_commands())
    commands.push_back(c);
  handler = instrument(global_metrics(), "rpc", rpc_route_labeler(policy.prefix, commands), std::move(handler));
  handler = with_access_log(cfg.requests_log, std::move(handler));
  st.server = std::make_unique<http_server>(std::move(handler));
  if (auto s = st.server->start(cfg.address); !s) {
    log::error("rpc", "cannot listen on " + cfg.address + ": " + s.err().message);
    self->quit(to_caf(s.err()));
    return {};
  }
  // With port 0 the kernel picked one: log the real address so scripts can find it.
  auto shown = cfg.address;
  if (auto hp = host_port::parse(cfg.address); hp && hp->port == 0)
    shown = shown.substr(0, shown.rfind(':') + 1) + std::to_string(st.server->port());
  log::info("rpc", "Kubo RPC API listening on http://" + shown + "/api/v0");
  return with_mailbox_probe(self, {
    [=](fault_atom) -> bool { throw std::runtime_error("fault injected into rpc-front"); },
  });
}

} // namespace

caf::actor spawn_rpc_front(caf::actor_system& sys, rpc_front_config cfg) {
  return sys.spawn<caf::detached>(rpc_front, std::move(cfg));
}

} // namespace mantle
