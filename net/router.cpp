#include "net/router.hpp"

namespace mantle {
namespace {
void plain_error(response_writer& w, unsigned code, std::string_view text) {
  // Go's http.Error: text/plain, message plus newline, nosniff.
  w.status(code).header("X-Content-Type-Options", "nosniff");
  w.send(std::string(text) + "\n", "text/plain; charset=utf-8");
}

// scheme://host[:port] of a Referer, or empty if it has no scheme and host.
std::string referer_origin(const std::string& ref) {
  auto sep = ref.find("://");
  if (sep == std::string::npos || sep == 0) return {};
  auto host_end = ref.find_first_of("/?#", sep + 3);
  std::string origin = ref.substr(0, host_end);
  if (origin.size() == sep + 3) return {};
  return origin;
}
} // namespace

std::vector<std::string> kubo_default_origins(uint16_t port) {
  std::string p = std::to_string(port);
  return {"http://127.0.0.1:" + p, "https://127.0.0.1:" + p, "http://[::1]:" + p,
          "https://[::1]:" + p,    "http://localhost:" + p,  "https://localhost:" + p};
}

void router::add_rpc(const std::string& cmd, http_handler h) {
  rpc_[policy_.prefix + "/" + cmd] = std::move(h);
}

void router::add(const std::string& method, const std::string& path, http_handler h) {
  plain_[{method, path}] = std::move(h);
}

void router::add_prefix(const std::string& prefix, http_handler h) {
  prefixes_.emplace_back(prefix, std::move(h));
}

bool router::origin_allowed(const http_request& req) const {
  auto allowed = [&](const std::string& origin) {
    for (auto& o : policy_.allowed_origins)
      if (o == "*" || o == origin) return true;
    return false;
  };
  if (req.has_header("Origin")) {
    std::string origin = req.header("Origin");
    if (!origin.empty() && !allowed(origin)) return false;
  }
  if (req.has_header("Referer")) {
    std::string ref = req.header("Referer");
    if (!ref.empty()) {
      std::string origin = referer_origin(ref);
      if (origin.empty() || !allowed(origin)) return false;
    }
  }
  return true;
}

void router::handle(http_request& req, response_writer& w) const {
  const std::string& p = req.path;
  bool is_rpc = p == policy_.prefix || p.rfind(policy_.prefix + "/", 0) == 0;
  if (is_rpc) {
    std::string allow = policy_.allow_get ? "OPTIONS, POST, HEAD, GET" : "OPTIONS, POST";
    if (req.method == "OPTIONS") {
      w.status(204).header("Allow", allow);
      w.send("", "text/plain; charset=utf-8");
      return;
    }
    bool ok_method = req.method == "POST" ||
                     (policy_.allow_get && (req.method == "GET" || req.method == "HEAD"));
    if (!ok_method) {
      w.header("Allow", allow);
      plain_error(w, 405, "405 - Method Not Allowed");
      return;
    }
    if (!origin_allowed(req)) {
      plain_error(w, 403, "403 - Forbidden");
      return;
    }
    auto it = rpc_.find(p);
    if (it == rpc_.end()) {
      plain_error(w, 404, "404 page not found");
      return;
    }
    it->second(req, w);
    return;
  }
  auto it = plain_.find({req.method, p});
  if (it != plain_.end()) {
    it->second(req, w);
    return;
  }
  for (auto& [prefix, h] : prefixes_) {
    if (p == prefix || p.rfind(prefix + "/", 0) == 0) {
      h(req, w);
      return;
    }
  }
  if (fallback_) {
    fallback_(req, w);
    return;
  }
  plain_error(w, 404, "404 page not found");
}

} // namespace mantle
