// Cross-origin (CORS) headers for the gateway and the RPC API. An origin list holds exact
// origins ("https://app.example:8443") or "*" for any; an empty list allows none.
#pragma once
#include <string>
#include <vector>

#include "net/http_server.hpp"

namespace mantle {

// The Access-Control-Allow-Origin value for a request from `origin` (its Origin header, ""
// when absent): "*" when the list has "*", the origin itself when listed, else "" (no header).
std::string cors_allow_origin(const std::string& origin, const std::vector<std::string>& origins);

// Gateway responses, as Kubo's gateway sends them: Access-Control-Allow-Origin, -Methods
// (GET, HEAD, OPTIONS), -Headers (Content-Type, Range, User-Agent, X-Requested-With) and
// -Expose-Headers (Content-Range, Content-Length, X-Ipfs-Path, X-Ipfs-Roots, X-Chunked-Output,
// X-Stream-Output); "Vary: Origin" when the value depends on the origin. Call it before the
// response starts. Adds nothing when the origin is not allowed.
void apply_gateway_cors(const http_request& req, response_writer& w, const std::vector<std::string>& origins);

// Answers an OPTIONS request to the gateway (a CORS preflight or a plain OPTIONS): 200, empty
// body, Allow and the CORS headers above. Returns false, writing nothing, for other methods.
bool handle_gateway_preflight(const http_request& req, response_writer& w, const std::vector<std::string>& origins);

// Both of the above around any gateway handler.
http_handler with_gateway_cors(std::vector<std::string> origins, http_handler inner);

// RPC responses to a browser origin the operator listed in api-cors-origins: Allow-Origin,
// Vary, Allow-Methods POST, Allow-Headers and Expose-Headers for Kubo's streaming headers.
// Whether the request may run at all is the router's decision (rpc_policy::allowed_origins).
void apply_rpc_cors(const http_request& req, response_writer& w, const std::vector<std::string>& origins);

} // namespace mantle
