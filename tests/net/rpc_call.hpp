// One RPC command through a router without a socket, as the RPC server passes it on: a POST
// of `target` ("/api/v0/cmd?arg=..."), the raw response back, and its JSON body.
#pragma once
#include <string>
#include <nlohmann/json.hpp>

#include "net/router.hpp"
#include "tests/net/string_sink.hpp"

namespace mantle::test {

inline std::string call_rpc(router& routes, const std::string& target) {
  http_request req;
  req.method = "POST";
  req.target = target;
  auto q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos)
    req.query = *query_args::parse(target.substr(q + 1));
  return run_handler([&](http_request& rq, response_writer& w) { routes.handle(rq, w); }, req);
}

inline nlohmann::json rpc_body(const std::string& response) {
  return nlohmann::json::parse(response.substr(response.find("\r\n\r\n") + 4));
}

} // namespace mantle::test
