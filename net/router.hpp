// Dispatches requests by exact path. Paths under the RPC prefix (/api/v0) follow Kubo's
// go-ipfs-cmds rules, in its order: method check (OPTIONS 204, anything but POST 405),
// then the Origin/Referer check (403), then the command lookup (404).
#pragma once
#include <map>
#include <string>
#include <vector>
#include "net/http_server.hpp"

namespace mantle {

struct rpc_policy {
  std::string prefix = "/api/v0";
  // Browser origins allowed to call the RPC API ("*" = any). A request with no Origin and no
  // Referer (curl, the CLI, kubo-rpc-client under Node) is always allowed, as in Kubo.
  std::vector<std::string> allowed_origins;
  bool allow_get = false; // Kubo's API.HTTPHeaders AllowGet; off by default
};

// Kubo's default allow-list: the API's own origin on localhost, so its web UI works while
// every other site is refused.
std::vector<std::string> kubo_default_origins(uint16_t api_port);

class router {
public:
  explicit router(rpc_policy policy = {}) : policy_(std::move(policy)) {}

  // POST <prefix>/<cmd>, e.g. add_rpc("pin/add", h).
  void add_rpc(const std::string& cmd, http_handler h);
  // Any other exact path for one method ("GET", "/metrics").
  void add(const std::string& method, const std::string& path, http_handler h);
  // Every method on `prefix` itself and every path below it ("/psa" -> "/psa/pins/x"),
  // unless an exact route matches first. Not for the RPC prefix, whose Kubo rules stay.
  void add_prefix(const std::string& prefix, http_handler h);
  // For paths nothing matches (default: 404 "404 page not found").
  void set_fallback(http_handler h) { fallback_ = std::move(h); }

  void handle(http_request& req, response_writer& w) const;
  const rpc_policy& policy() const { return policy_; }
  bool origin_allowed(const http_request& req) const;

private:
  rpc_policy policy_;
  std::map<std::string, http_handler> rpc_;
  std::map<std::pair<std::string, std::string>, http_handler> plain_;
  std::vector<std::pair<std::string, http_handler>> prefixes_;
  http_handler fallback_;
};

} // namespace mantle
