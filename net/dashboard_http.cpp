#include "net/dashboard_http.hpp"

#include <map>
#include <memory>

#include "net/router.hpp"
#include "storage/multihash.hpp"

namespace mantle {
namespace {

struct asset {
  std::string_view bytes;
  std::string content_type;
  std::string etag;
};

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

void plain(response_writer& w, unsigned code, std::string_view text) {
  w.status(code).header("X-Content-Type-Options", "nosniff");
  w.header("Content-Security-Policy", dashboard_csp);
  w.send(std::string(text) + "\n", "text/plain; charset=utf-8");
}

// An If-None-Match list ("a", W/"b", *) names this ETag.
bool etag_matches(const std::string& header, const std::string& etag) {
  if (header.empty())
    return false;
  if (header.find('*') != std::string::npos)
    return true;
  size_t pos = 0;
  while ((pos = header.find(etag, pos)) != std::string::npos) {
    bool starts = pos == 0 || header[pos - 1] == ' ' || header[pos - 1] == ',' || header[pos - 1] == '/';
    size_t end = pos + etag.size();
    bool ends = end == header.size() || header[end] == ',' || header[end] == ' ';
    if (starts && ends)
      return true;
    pos = end;
  }
  return false;
}

} // namespace

std::string dashboard_content_type(std::string_view name) {
  if (ends_with(name, ".html"))
    return "text/html; charset=utf-8";
  if (ends_with(name, ".css"))
    return "text/css; charset=utf-8";
  if (ends_with(name, ".js"))
    return "text/javascript; charset=utf-8";
  if (ends_with(name, ".svg"))
    return "image/svg+xml";
  if (ends_with(name, ".png"))
    return "image/png";
  if (ends_with(name, ".json"))
    return "application/json";
  return "application/octet-stream";
}

http_handler dashboard_handler(const std::vector<embedded_file>& files, std::string prefix) {
  auto table = std::make_shared<std::map<std::string, asset, std::less<>>>();
  for (auto& f : files) {
    // The first 16 bytes of SHA-256 are plenty to tell two builds' assets apart.
    uint8_t digest[32];
    multihash::sha256_raw(f.bytes, digest);
    static const char* hex = "0123456789abcdef";
    std::string tag = "\"";
    for (size_t i = 0; i < 16; ++i) {
      auto b = digest[i];
      tag += hex[b >> 4];
      tag += hex[b & 15];
    }
    tag += "\"";
    (*table)[std::string(f.name)] = asset{f.bytes, dashboard_content_type(f.name), tag};
  }
  return [table, prefix](http_request& req, response_writer& w) {
    if (req.method != "GET" && req.method != "HEAD") {
      w.header("Allow", "GET, HEAD");
      plain(w, 405, "405 - Method Not Allowed");
      return;
    }
    std::string_view name = req.path;
    name.remove_prefix(std::min(name.size(), prefix.size()));
    if (!name.empty() && name.front() == '/')
      name.remove_prefix(1);
    if (name.empty())
      name = "index.html";
    auto it = table->find(name);
    if (it == table->end()) {
      plain(w, 404, "404 page not found");
      return;
    }
    const asset& a = it->second;
    // Revalidate every time (cheap with the ETag): a node upgraded in place serves its new page.
    w.header("Cache-Control", "no-cache");
    w.header("ETag", a.etag);
    w.header("Content-Security-Policy", dashboard_csp);
    w.header("X-Content-Type-Options", "nosniff");
    w.header("X-Frame-Options", "DENY");
    w.header("Referrer-Policy", "same-origin");
    if (etag_matches(req.header("If-None-Match"), a.etag)) {
      w.status(304);
      w.send("", "");
      return;
    }
    w.send(a.bytes, a.content_type);
  };
}

void add_dashboard(router& routes) {
  routes.add_prefix("/dashboard", dashboard_handler(dashboard_files()));
}

} // namespace mantle
