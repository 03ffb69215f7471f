// The node's dashboard page on the RPC port: GET /dashboard (and /dashboard/) is index.html,
// GET /dashboard/<file> its CSS and JS, all from the assets built into the binary
// (net/dashboard/, net/embedded_files.hpp). The page itself reads the node through the RPC API
// from the browser (same origin). CAF-free.
#pragma once
#include <string>
#include <string_view>

#include "net/embedded_files.hpp"
#include "net/http_server.hpp"

namespace mantle {

class router;

// Sent with every dashboard response: only this origin's scripts, styles and API, nothing
// loaded from elsewhere, no framing, no forms, no plugins.
constexpr const char* dashboard_csp =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// "text/html; charset=utf-8" for index.html, and so on; application/octet-stream when unknown.
std::string dashboard_content_type(std::string_view file_name);

// Serves `files` under `prefix` ("/dashboard"): GET and HEAD, 304 for a matching
// If-None-Match (the ETag is a hash of the bytes: a new binary with new assets is fetched
// again), 404 for unknown files, 405 for other methods.
http_handler dashboard_handler(const std::vector<embedded_file>& files, std::string prefix = "/dashboard");

// Registers dashboard_handler(dashboard_files()) on `routes` for /dashboard and below.
void add_dashboard(router& routes);

} // namespace mantle
