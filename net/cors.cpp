#include "net/cors.hpp"

namespace mantle {

std::string cors_allow_origin(const std::string& origin, const std::vector<std::string>& origins) {
  for (const auto& o : origins)
    if (o == "*") return "*";
  if (origin.empty()) return {};
  for (const auto& o : origins)
    if (o == origin) return origin;
  return {};
}

namespace {
bool set_allow_origin(const http_request& req, response_writer& w, const std::vector<std::string>& origins) {
  if (origins.empty()) return false;
  std::string allow = cors_allow_origin(req.header("Origin"), origins);
  if (allow.empty()) return false;
  w.header("Access-Control-Allow-Origin", allow);
  if (allow != "*") w.header("Vary", "Origin"); // caches must not serve it to another origin
  return true;
}
} // namespace

void apply_gateway_cors(const http_request& req, response_writer& w, const std::vector<std::string>& origins) {
  if (!set_allow_origin(req, w, origins)) return;
  w.header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
  w.header("Access-Control-Allow-Headers", "Content-Type, Range, User-Agent, X-Requested-With");
  w.header("Access-Control-Expose-Headers",
           "Content-Range, Content-Length, X-Ipfs-Path, X-Ipfs-Roots, X-Chunked-Output, X-Stream-Output");
}

bool handle_gateway_preflight(const http_request& req, response_writer& w, const std::vector<std::string>& origins) {
  if (req.method != "OPTIONS") return false;
  apply_gateway_cors(req, w, origins);
  w.header("Allow", "GET, HEAD, OPTIONS");
  w.status(200).send("", "text/plain; charset=utf-8");
  return true;
}

http_handler with_gateway_cors(std::vector<std::string> origins, http_handler inner) {
  return [origins = std::move(origins), inner = std::move(inner)](http_request& req, response_writer& w) {
    if (handle_gateway_preflight(req, w, origins)) return;
    apply_gateway_cors(req, w, origins);
    inner(req, w);
  };
}

void apply_rpc_cors(const http_request& req, response_writer& w, const std::vector<std::string>& origins) {
  if (!req.has_header("Origin") || !set_allow_origin(req, w, origins)) return;
  w.header("Access-Control-Allow-Methods", "POST");
  w.header("Access-Control-Allow-Headers", "Content-Type, X-Requested-With, Range, User-Agent");
  w.header("Access-Control-Expose-Headers", "X-Stream-Output, X-Chunked-Output, X-Content-Length");
}

} // namespace mantle
