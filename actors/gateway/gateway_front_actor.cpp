#include "actors/gateway/gateway_front_actor.hpp"

#include <caf/all.hpp>

#include "actors/gateway/actor_backend.hpp"
#include "config/log.hpp"
#include "messages/block_store.hpp"
#include "messages/errors.hpp"
#include "net/gateway_ops.hpp"
#include "net/http_server.hpp"
#include "actors/introspection.hpp"

namespace mantle {
namespace {

struct gateway_front_state {
  std::unique_ptr<node_backend> backend;
  std::unique_ptr<gateway_api> api;
  std::unique_ptr<http_server> server;

  ~gateway_front_state() {
    if (server) // joins the connection threads before the API they call goes away
      server->stop();
  }
  static inline const char* name = "gateway-front";
};

caf::behavior gateway_front(caf::stateful_actor<gateway_front_state>* self, gateway_front_config cfg) {
  auto& sys = self->system();
  auto& st = self->state;
  st.backend = make_actor_backend(sys, registry_resolver(sys, cfg.store_name), cfg.id, cfg.local_store);
  st.api = std::make_unique<gateway_api>(st.backend->blocks(), cfg.options);
  auto* api = st.api.get();
  http_server_options so;
  so.max_connections = 1024; // browsers open many; each idle one is just a parked thread
  auto handler = wrap_gateway_ops([api](http_request& req, response_writer& w) { api->handle(req, w); },
                                  cfg.cors_origins, cfg.requests_log);
  st.server = std::make_unique<http_server>(std::move(handler), so);
  if (auto s = st.server->start(cfg.address); !s) {
    log::error("gateway", "cannot listen on " + cfg.address + ": " + s.err().message);
    self->quit(to_caf(s.err()));
    return {};
  }
  // With port 0 the kernel picked one: log the real address so scripts can find it.
  auto shown = cfg.address;
  if (auto hp = host_port::parse(cfg.address); hp && hp->port == 0)
    shown = shown.substr(0, shown.rfind(':') + 1) + std::to_string(st.server->port());
  log::info("gateway", "HTTP gateway listening on http://" + shown + "/ipfs/");
  for (auto& site : cfg.options.sites)
    log::info("gateway", "site " + site.host + " serves /ipfs/" + site.root.str());
  return with_mailbox_probe(self, {
    [=](fault_atom) -> bool { throw std::runtime_error("fault injected into gateway-front"); },
  });
}

} // namespace

caf::actor spawn_gateway_front(caf::actor_system& sys, gateway_front_config cfg) {
  return sys.spawn<caf::detached>(gateway_front, std::move(cfg));
}

} // namespace mantle
